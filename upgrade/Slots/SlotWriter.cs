using System.Security.Cryptography;
using Talos.Partitions.Devices;
using Talos.Upgrade.Slots.Errors;

namespace Talos.Upgrade.Slots;

/// <summary>
/// Writes an installer image into a BOOT slot so that any interruption leaves a slot the boot decision never
/// picks (spec: <c>specs/formats/slot.md</c>, "Write protocol"):
/// 1. zero the header block, flush (the slot is now recognisably empty);
/// 2. stream kernel and initramfs, hashing while writing (the hash of chunk i overlaps the write of chunk i and
///    the read of chunk i+1), refuse a size or digest mismatch, flush;
/// 3. re-read the payload and verify both digests;
/// 4. write the header last, flush, re-read it and compare.
/// </summary>
/// <remarks>
/// Idempotent: re-running after a crash at any point restarts from step 1 and ends in the same bytes.
/// Never writes the confirmed slot (invariant 2): the caller passes which slot is confirmed and the writer
/// refuses before touching the device.
/// </remarks>
public sealed class SlotWriter
{
    private readonly int _chunkSize;

    /// <summary>Creates a writer streaming in chunks of <paramref name="chunkSize"/> bytes (default 4 MiB; a multiple of 4096).</summary>
    public SlotWriter(int chunkSize = 4 << 20)
    {
        if (chunkSize <= 0 || chunkSize % SlotHeader.Size != 0)
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunk size must be a positive multiple of 4096");
        _chunkSize = chunkSize;
    }

    /// <summary>
    /// Writes <paramref name="payload"/> into <paramref name="device"/> (the partition of slot <paramref name="target"/>).
    /// </summary>
    /// <param name="device">The slot partition (e.g. a <see cref="SubDevice"/> of the disk).</param>
    /// <param name="target">The slot being written; recorded in the header.</param>
    /// <param name="confirmed">The slot holding the confirmed image, or null when none is confirmed (first install).</param>
    /// <param name="payload">What to write.</param>
    /// <param name="ct">Checked between chunks; a cancelled write leaves the slot invalid, never half-valid.</param>
    /// <exception cref="SlotIsConfirmedException">target is the confirmed slot; nothing was written.</exception>
    /// <exception cref="SlotTooSmallException">the image does not fit; nothing was written.</exception>
    /// <exception cref="SlotWriteVerificationException">size or digest mismatch; the slot was left invalid.</exception>
    public SlotWriteResult Write(IBlockDevice device, BootSlot target, BootSlot? confirmed, SlotPayload payload, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(payload);
        if (confirmed == target) throw new SlotIsConfirmedException(target);
        if (SlotHeader.Size % device.SectorSize != 0) throw new ArgumentException($"sector size {device.SectorSize} does not divide the 4096-byte header", nameof(device));
        var kernelOff = (long)SlotHeader.Size;
        var initOff = AlignUp(kernelOff + payload.Kernel.Size);
        var end = RequiredBytes(payload.Kernel.Size, payload.Initramfs.Size);
        if (end > device.Length) throw new SlotTooSmallException(target, end, device.Length);
        var header = new SlotHeader(target, kernelOff, payload.Kernel.Size, payload.Kernel.Sha256,
            initOff, payload.Initramfs.Size, payload.Initramfs.Sha256, payload.ManifestDigest,
            payload.ImageReference, payload.Version, payload.Architecture, payload.ServiceProfile, payload.ConfigFeatures);
        var headerBytes = header.Encode(); // validates field lengths before the first write

        device.Write(0, new byte[SlotHeader.Size]);
        device.Flush();

        var chunk = BufferSize(_chunkSize, payload.Kernel.Size, payload.Initramfs.Size);
        var buffers = new[] { new byte[chunk], new byte[chunk] };
        StreamPart(device, target, "kernel", kernelOff, payload.Kernel, buffers, ct);
        StreamPart(device, target, "initramfs", initOff, payload.Initramfs, buffers, ct);
        device.Flush();

        VerifyPart(device, target, "kernel read-back", kernelOff, payload.Kernel.Size, payload.Kernel.Sha256, buffers, ct);
        VerifyPart(device, target, "initramfs read-back", initOff, payload.Initramfs.Size, payload.Initramfs.Sha256, buffers, ct);

        device.Write(0, headerBytes);
        device.Flush();
        var back = new byte[SlotHeader.Size];
        device.Read(0, back);
        if (!back.AsSpan().SequenceEqual(headerBytes))
            throw new SlotWriteVerificationException(target, "header read-back", Hex(headerBytes.AsSpan(SlotHeader.ChecksumOffset)), Hex(back.AsSpan(SlotHeader.ChecksumOffset)));
        var digest = "sha256:" + Hex(headerBytes.AsSpan(SlotHeader.ChecksumOffset, 32));
        return new SlotWriteResult(target, header, digest, payload.Kernel.Size + payload.Initramfs.Size);
    }

    private void StreamPart(IBlockDevice device, BootSlot slot, string name, long offset, SlotPart part, byte[][] buffers, CancellationToken ct)
    {
        using var source = part.Open();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long done = 0;
        var cur = 0;
        var n = ReadChunk(source, buffers[cur], part.Size - done);
        while (n > 0)
        {
            ct.ThrowIfCancellationRequested();
            var buf = buffers[cur];
            var len = n;
            var nextRemaining = part.Size - done - n;
            var next = buffers[cur ^ 1];
            // Overlap: hash this chunk and read the next one while this chunk is written.
            var hashTask = Task.Run(() => hash.AppendData(buf, 0, len), ct);
            var readTask = Task.Run(() => ReadChunk(source, next, nextRemaining), ct);
            var padded = (int)AlignUp(len, device.SectorSize);
            if (padded > len) Array.Clear(buf, len, padded - len);
            try { device.Write(offset + done, buf.AsSpan(0, padded)); }
            catch
            {
                // The hasher and the source are disposed on the way out: let the overlapped chunk work finish first
                // (it used a disposed hasher and left a faulted task nobody observed).
                Quiesce(hashTask);
                Quiesce(readTask);
                throw;
            }
            hashTask.GetAwaiter().GetResult();
            done += len;
            n = readTask.GetAwaiter().GetResult();
            cur ^= 1;
        }
        if (done != part.Size) throw new SlotWriteVerificationException(slot, name + " size", part.Size.ToString(), $"{done} (stream ended early)");
        if (source.ReadByte() >= 0) throw new SlotWriteVerificationException(slot, name + " size", part.Size.ToString(), "more bytes than declared");
        var actual = hash.GetHashAndReset();
        if (!actual.AsSpan().SequenceEqual(part.Sha256)) throw new SlotWriteVerificationException(slot, name, "sha256:" + Hex(part.Sha256), "sha256:" + Hex(actual));
    }

    // Waits for overlapped work whose result no longer matters; its own failure (or cancellation) is observed here.
    private static void Quiesce(Task task)
    {
        try { task.Wait(); }
        catch (AggregateException) { }
    }

    /// <summary>
    /// The chunk buffers' size: the chunk size, or less when both parts are smaller (rounded up to 4096 bytes). Each
    /// part still moves in the same chunks (one when it fits), so the writes and reads are exactly those of full-size
    /// buffers; a small image no longer costs two 4 MiB buffers per write or measurement (the simulation measures slots
    /// thousands of times a minute, issue #11).
    /// </summary>
    internal static int BufferSize(int chunkSize, long kernelSize, long initramfsSize) =>
        (int)Math.Min(chunkSize, AlignUp(Math.Max(1, Math.Max(kernelSize, initramfsSize)), SlotHeader.Size));

    /// <summary>Re-reads an extent after flush and checks its SHA-256, overlapping the hash of one chunk with the read of the next.</summary>
    internal static byte[] HashExtent(IBlockDevice device, long offset, long size, byte[][] buffers, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long done = 0;
        var cur = 0;
        Task? hashTask = null;
        while (done < size)
        {
            ct.ThrowIfCancellationRequested();
            var len = (int)Math.Min(buffers[cur].Length, size - done);
            var padded = (int)AlignUp(len, device.SectorSize);
            var buf = buffers[cur];
            device.Read(offset + done, buf.AsSpan(0, padded));
            hashTask?.GetAwaiter().GetResult();
            hashTask = Task.Run(() => hash.AppendData(buf, 0, len), ct);
            done += len;
            cur ^= 1;
        }
        hashTask?.GetAwaiter().GetResult();
        return hash.GetHashAndReset();
    }

    private static void VerifyPart(IBlockDevice device, BootSlot slot, string name, long offset, long size, byte[] expected, byte[][] buffers, CancellationToken ct)
    {
        var actual = HashExtent(device, offset, size, buffers, ct);
        if (!actual.AsSpan().SequenceEqual(expected)) throw new SlotWriteVerificationException(slot, name, "sha256:" + Hex(expected), "sha256:" + Hex(actual));
    }

    private static int ReadChunk(Stream s, byte[] buffer, long remaining)
    {
        var want = (int)Math.Min(buffer.Length, remaining);
        return want <= 0 ? 0 : s.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
    }

    /// <summary>
    /// Bytes a slot needs for a kernel and an initramfs of these sizes: the header, then each part aligned to the
    /// header size (the layout <see cref="Write"/> uses). Checked before an upgrade is accepted (issue 20.1).
    /// </summary>
    public static long RequiredBytes(long kernelBytes, long initramfsBytes) =>
        AlignUp(AlignUp(SlotHeader.Size + kernelBytes) + initramfsBytes);

    private static long AlignUp(long v, long a = SlotHeader.Size) => (v + a - 1) / a * a;

    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);
}
