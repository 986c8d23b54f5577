using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Talos.Partitions.Meta;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF), the checksum of
/// every META record, checkpoint, superblock and STATE slot. On x64 with SSE4.2 the <c>crc32</c> instruction is used
/// directly (8 bytes a step); elsewhere <see cref="BitOperations.Crc32C(uint, ulong)"/> (ARMv8 instruction or a
/// software table), so the result is the same everywhere. Check value: CRC-32C("123456789") = 0xE3069283.
/// </summary>
public static class Crc32C
{
    /// <summary>Computes the CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    /// <summary>The running value before any byte (use with <see cref="Append"/> and <see cref="Finish"/>).</summary>
    public const uint Start = 0xFFFFFFFFu;

    /// <summary>Folds <paramref name="data"/> into a running (not yet finished) CRC.</summary>
    // AggressiveOptimization: every META frame check runs through here from the first open of a process; at tier 0
    // (seen as QuickJitted in profiles, issue #11) the loop was several times slower than the instruction allows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Append(uint crc, ReadOnlySpan<byte> data) =>
        Sse42.X64.IsSupported ? AppendSse42(crc, data) : AppendPortable(crc, data);

    /// <summary>Applies the final XOR to a running CRC.</summary>
    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint AppendSse42(uint crc, ReadOnlySpan<byte> data)
    {
        ref var p = ref MemoryMarshal.GetReference(data);
        var n = (nuint)data.Length;
        ulong c = crc;
        nuint i = 0;
        // Four independent loads a turn: the crc32 instruction's latency still chains, but the loop overhead goes.
        for (; i + 32 <= n; i += 32)
        {
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 8)));
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 16)));
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 24)));
        }
        for (; i + 8 <= n; i += 8) c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        var r = (uint)c;
        for (; i < n; i++) r = Sse42.Crc32(r, Unsafe.Add(ref p, i));
        return r;
    }

    /// <summary>The portable path (also used by tests to check the SSE4.2 path against it).</summary>
    internal static uint AppendPortable(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
