using System.Buffers.Binary;
using System.Numerics;

namespace Talos.Partitions.Meta;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF), the checksum of
/// every META record, checkpoint, superblock and STATE slot. <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the
/// SSE4.2/ARMv8 instruction when present and a software fallback otherwise, so the result is the same everywhere.
/// Check value: CRC-32C("123456789") = 0xE3069283.
/// </summary>
public static class Crc32C
{
    /// <summary>Computes the CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    /// <summary>The running value before any byte (use with <see cref="Append"/> and <see cref="Finish"/>).</summary>
    public const uint Start = 0xFFFFFFFFu;

    /// <summary>Folds <paramref name="data"/> into a running (not yet finished) CRC.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    /// <summary>Applies the final XOR to a running CRC.</summary>
    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;
}
