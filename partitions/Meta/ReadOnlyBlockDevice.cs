using Talos.Partitions.Devices;

namespace Talos.Partitions.Meta;

/// <summary>Wraps a device for audit: reads pass through, any write or flush throws, so an audit can never change an image.</summary>
internal sealed class ReadOnlyBlockDevice(IBlockDevice inner) : IBlockDevice, IDataExtents
{
    public int SectorSize => inner.SectorSize;
    public long Length => inner.Length;
    public void Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
    public void Write(long offset, ReadOnlySpan<byte> data) => throw new InvalidOperationException("the META log was opened read-only for audit; writes are refused");
    public void Flush() => throw new InvalidOperationException("the META log was opened read-only for audit; flushes are refused");
    public void Dispose() { }
    public bool TryFindData(long offset, long end, out long dataStart, out long dataEnd) => DataExtents.TryFindData(inner, offset, end, out dataStart, out dataEnd);
}
