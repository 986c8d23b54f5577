using Talos.Partitions.Devices;

namespace Talos.Upgrade.Slots;

/// <summary>What a measurement found in a slot.</summary>
public enum SlotState
{
    /// <summary>The header block is all zero: never written, or invalidated by an interrupted write.</summary>
    Empty,
    /// <summary>Something is there but it must not be booted (reason given).</summary>
    Invalid,
    /// <summary>Header checksum and both payload digests match.</summary>
    Valid,
}

/// <summary>A slot measurement; the boot decision compares <see cref="ContentDigest"/> with the digest the log recorded.</summary>
/// <param name="State">Empty, invalid or valid.</param>
/// <param name="Reason">Why the slot is empty or invalid; empty when valid.</param>
/// <param name="Header">The decoded header when its checksum held (also when a payload digest then failed).</param>
/// <param name="ContentDigest">"sha256:&lt;hex&gt;" of the header when <see cref="State"/> is Valid, else null.</param>
public sealed record SlotMeasurement(SlotState State, string Reason, SlotHeader? Header, string? ContentDigest)
{
    /// <summary>True when the slot may be booted (subject to the recorded digest matching).</summary>
    public bool IsValid => State == SlotState.Valid;
}

/// <summary>
/// Measures a BOOT slot: decodes the header, re-hashes kernel and initramfs, and returns the content digest or
/// the reason the slot is empty/invalid. Read-only; used by the boot loader stage and by forensics.
/// </summary>
public sealed class SlotReader
{
    private readonly int _chunkSize;

    /// <summary>Creates a reader hashing in chunks of <paramref name="chunkSize"/> bytes (a multiple of 4096).</summary>
    public SlotReader(int chunkSize = 4 << 20)
    {
        if (chunkSize <= 0 || chunkSize % SlotHeader.Size != 0)
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunk size must be a positive multiple of 4096");
        _chunkSize = chunkSize;
    }

    /// <summary>Measures the slot on <paramref name="device"/>. Never throws for bad content; I/O errors propagate.</summary>
    public SlotMeasurement Measure(IBlockDevice device, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Length < SlotHeader.Size) return new(SlotState.Invalid, $"device of {device.Length} bytes cannot hold a slot header", null, null);
        var block = new byte[SlotHeader.Size];
        device.Read(0, block);
        var header = SlotHeader.TryDecode(block, out var reason);
        if (header is null)
            return new(reason.StartsWith("empty", StringComparison.Ordinal) ? SlotState.Empty : SlotState.Invalid, reason, null, null);
        var end = Math.Max(header.KernelOffset + header.KernelSize, header.InitramfsOffset + header.InitramfsSize);
        if (end > device.Length) return new(SlotState.Invalid, $"payload ends at {end}, past the slot end {device.Length}", header, null);
        var chunk = SlotWriter.BufferSize(_chunkSize, header.KernelSize, header.InitramfsSize);
        var buffers = new[] { new byte[chunk], new byte[chunk] };
        var k = SlotWriter.HashExtent(device, header.KernelOffset, header.KernelSize, buffers, ct);
        if (!k.AsSpan().SequenceEqual(header.KernelSha256))
            return new(SlotState.Invalid, $"kernel digest mismatch: header says sha256:{Convert.ToHexStringLower(header.KernelSha256)}, slot has sha256:{Convert.ToHexStringLower(k)}", header, null);
        var i = SlotWriter.HashExtent(device, header.InitramfsOffset, header.InitramfsSize, buffers, ct);
        if (!i.AsSpan().SequenceEqual(header.InitramfsSha256))
            return new(SlotState.Invalid, $"initramfs digest mismatch: header says sha256:{Convert.ToHexStringLower(header.InitramfsSha256)}, slot has sha256:{Convert.ToHexStringLower(i)}", header, null);
        return new(SlotState.Valid, "", header, "sha256:" + Convert.ToHexStringLower(block.AsSpan(SlotHeader.ChecksumOffset, 32)));
    }
}
