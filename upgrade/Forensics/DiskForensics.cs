using System.Security.Cryptography;
using Talos.Api.Events;
using Talos.Core.State;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Upgrade.Slots;
using MeasuredState = Talos.Upgrade.Slots.SlotState;

namespace Talos.Upgrade.Forensics;

/// <summary>Outcome of one forensic comparison.</summary>
public enum ForensicStatus
{
    /// <summary>The content matches what the log recorded (and the known-good list, when given).</summary>
    Match,
    /// <summary>The slot is empty and the log records no image for it.</summary>
    Empty,
    /// <summary>Content and record (or known-good list) disagree.</summary>
    Mismatch,
    /// <summary>Nothing in the log records a digest for this area; the measured digest is reported for the record.</summary>
    NotRecorded,
}

/// <summary>One area's forensic result.</summary>
/// <param name="Area">Partition label (BOOT-A, BOOT-B, EFI).</param>
/// <param name="Slot">The slot (Unspecified for EFI).</param>
/// <param name="Status">Match, empty, mismatch or not recorded.</param>
/// <param name="Recorded">Digest the log recorded (lower-case hex, "" when none).</param>
/// <param name="Measured">Digest measured now (lower-case hex, "" when the content is empty or invalid).</param>
/// <param name="Detail">Precise explanation.</param>
public sealed record ForensicFinding(string Area, Slot Slot, ForensicStatus Status, string Recorded, string Measured, string Detail)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Area,-7} {Status.ToString().ToUpperInvariant(),-11} recorded={(Recorded.Length > 0 ? Recorded : "-")} measured={(Measured.Length > 0 ? Measured : "-")}  {Detail}";
}

/// <summary>All findings of one forensic run.</summary>
/// <param name="Findings">BOOT-A, BOOT-B, EFI in that order.</param>
public sealed record ForensicsReport(IReadOnlyList<ForensicFinding> Findings)
{
    /// <summary>True when any area mismatches.</summary>
    public bool HasMismatch => Findings.Any(f => f.Status == ForensicStatus.Mismatch);
}

/// <summary>
/// Forensics on a disk (issue #10): re-hashes both BOOT slots with <see cref="SlotReader"/> and compares them with
/// the digests the log recorded (<see cref="NodeState.SlotA"/>/<see cref="NodeState.SlotB"/>) and with an optional
/// known-good list; hashes the EFI area. Read-only. Lives in upgrade because partitions may not reference the slot
/// format; talosctl calls it for <c>forensics verify --disk</c>.
/// </summary>
public static class DiskForensics
{
    /// <summary>Verifies <paramref name="disk"/> against <paramref name="state"/> (folded from the same disk's META log).</summary>
    public static ForensicsReport Verify(IBlockDevice disk, NodeState state, KnownGoodList? knownGood = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(disk);
        ArgumentNullException.ThrowIfNull(state);
        var reader = new SlotReader();
        return new ForensicsReport(
        [
            VerifySlot(TalosLayout.OpenPartition(disk, "BOOT-A"), "BOOT-A", Slot.A, BootSlot.A, state.SlotA, knownGood, reader, ct),
            VerifySlot(TalosLayout.OpenPartition(disk, "BOOT-B"), "BOOT-B", Slot.B, BootSlot.B, state.SlotB, knownGood, reader, ct),
            VerifyEfi(TalosLayout.OpenPartition(disk, "EFI"), knownGood, ct),
        ]);
    }

    /// <summary>Compares one slot partition with its recorded state.</summary>
    public static ForensicFinding VerifySlot(IBlockDevice partition, string area, Slot slot, BootSlot expectedHeaderSlot,
        Core.State.SlotState recorded, KnownGoodList? knownGood, SlotReader reader, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(reader);
        var m = reader.Measure(partition, ct);
        var rec = recorded.Digest;
        ForensicFinding F(ForensicStatus s, string measured, string detail) => new(area, slot, s, rec, measured, detail);
        switch (m.State)
        {
            case MeasuredState.Empty:
                return rec.Length == 0
                    ? F(ForensicStatus.Empty, "", "slot is empty, as the log records")
                    : F(ForensicStatus.Mismatch, "", $"the log records {recorded.Version} ({rec}) but the slot is empty ({m.Reason})");
            case MeasuredState.Invalid:
                return F(ForensicStatus.Mismatch, "", rec.Length == 0
                    ? $"the slot holds damaged content the log does not record: {m.Reason}"
                    : $"the log records {recorded.Version} ({rec}) but the slot content is damaged: {m.Reason}");
        }
        var header = m.Header!;
        var measured = KnownGoodList.Normalize(m.ContentDigest!);
        if (header.Slot != expectedHeaderSlot)
            return F(ForensicStatus.Mismatch, measured, $"the slot holds an image written for slot {header.Slot} ({header.Version}): slot images were swapped or copied");
        if (rec.Length == 0)
            return F(ForensicStatus.Mismatch, measured, $"the slot holds {header.Version} but the log records no image for it");
        if (!string.Equals(rec, measured, StringComparison.Ordinal))
            return F(ForensicStatus.Mismatch, measured, $"content differs from what was written: the log records {recorded.Version}, the slot header says {header.Version}");
        if (knownGood is not null)
        {
            var v = knownGood.VersionOf(measured);
            if (v is null) return F(ForensicStatus.Mismatch, measured, $"{header.Version} matches the log but is not in the known-good list");
            if (v != header.Version) return F(ForensicStatus.Mismatch, measured, $"the known-good list names this digest {v}, the slot header says {header.Version}");
            return F(ForensicStatus.Match, measured, $"{header.Version} matches the log and the known-good list");
        }
        return F(ForensicStatus.Match, measured, $"{header.Version} matches the log");
    }

    /// <summary>
    /// Hashes the whole EFI (boot-loader) partition. No event records a boot-loader digest yet, so without a known-good
    /// entry for it the result is NotRecorded; with one it is Match.
    /// </summary>
    public static ForensicFinding VerifyEfi(IBlockDevice efi, KnownGoodList? knownGood = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(efi);
        var measured = HashAll(efi, ct);
        if (knownGood?.VersionOf(measured) is { } v)
            return new ForensicFinding("EFI", Slot.Unspecified, ForensicStatus.Match, "", measured, $"the boot-loader area is in the known-good list as {v}");
        return new ForensicFinding("EFI", Slot.Unspecified, ForensicStatus.NotRecorded, "", measured,
            "no event records a boot-loader (EFI) digest yet, so it cannot be compared; the measured digest is reported for the record");
    }

    /// <summary>Lower-case hex SHA-256 of every byte of <paramref name="device"/>.</summary>
    public static string HashAll(IBlockDevice device, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[Math.Min(4L << 20, Math.Max(device.Length, 1))];
        for (long off = 0; off < device.Length; off += buf.Length)
        {
            ct.ThrowIfCancellationRequested();
            var n = (int)Math.Min(buf.Length, device.Length - off);
            device.Read(off, buf.AsSpan(0, n));
            h.AppendData(buf, 0, n);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
