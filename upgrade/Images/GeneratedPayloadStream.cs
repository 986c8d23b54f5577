using System.Buffers.Binary;

namespace Talos.Upgrade.Images;

/// <summary>
/// A read-only stream of <c>length</c> deterministic pseudo-random bytes: SplitMix64 seeded with
/// <c>seed</c>, each 64-bit output written little-endian. The same (seed, length) always gives the same bytes on
/// every platform and .NET version, so generated images have stable digests.
/// </summary>
public sealed class GeneratedPayloadStream(ulong seed, long length) : Stream
{
    private ulong _state = seed;
    private long _position;
    private ulong _pending;   // remaining bytes of the current 64-bit word
    private int _pendingCount;

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        var i = 0;
        while (i < n && _pendingCount > 0) { buffer[i++] = (byte)_pending; _pending >>= 8; _pendingCount--; }
        while (n - i >= 8) { BinaryPrimitives.WriteUInt64LittleEndian(buffer[i..], Next()); i += 8; }
        if (i < n)
        {
            _pending = Next();
            _pendingCount = 8;
            while (i < n) { buffer[i++] = (byte)_pending; _pending >>= 8; _pendingCount--; }
        }
        _position += n;
        return n;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <inheritdoc />
    public override bool CanRead => true;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => false;
    /// <inheritdoc />
    public override long Length => length;
    /// <inheritdoc />
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    /// <inheritdoc />
    public override void Flush() { }
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
