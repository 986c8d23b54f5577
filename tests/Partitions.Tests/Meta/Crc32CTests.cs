using System.Text;
using FsCheck.Xunit;
using Talos.Partitions.Meta;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// Known answers for CRC-32C (the check value and the iSCSI vectors of RFC 3720 B.4), and the SSE4.2 path against the
/// portable one and a bit-at-a-time reference for every length and split (issue #11 made the fast path explicit).
/// </summary>
public sealed class Crc32CTests
{
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? crc >> 1 ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void Known_answers()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0x00000000u, Crc32C.Compute([]));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
        Assert.Equal(0xE3069283u, Crc32C.Finish(Crc32C.AppendPortable(Crc32C.Start, Encoding.ASCII.GetBytes("123456789"))));
    }

    [Fact]
    public void Every_length_up_to_300_matches_the_bitwise_reference()
    {
        var rng = new Random(11);
        var data = new byte[300];
        rng.NextBytes(data);
        for (var n = 0; n <= data.Length; n++)
        {
            var expect = Reference(data.AsSpan(0, n));
            Assert.Equal(expect, Crc32C.Compute(data.AsSpan(0, n)));
            Assert.Equal(expect, Crc32C.Finish(Crc32C.AppendPortable(Crc32C.Start, data.AsSpan(0, n))));
        }
    }

    [Property(MaxTest = 200)]
    public void Appending_in_pieces_equals_computing_at_once(byte[] data, int cut, int offset)
    {
        data ??= [];
        var at = data.Length == 0 ? 0 : (int)((uint)cut % (uint)(data.Length + 1));
        var start = data.Length == 0 ? 0 : (int)((uint)offset % (uint)Math.Max(1, at + 1));   // unaligned starts too
        var span = data.AsSpan(start);
        var split = Math.Max(0, at - start);
        Assert.Equal(Reference(span), Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, span[..split]), span[split..])));
    }
}
