using System.Security.Cryptography;
using System.Text;
using Talos.Machined.Etcd;

namespace Talos.Machined.Tests.Etcd;

/// <summary>specs/formats/etcd-data.md: golden bytes, round trip, and every corruption refused with a reason.</summary>
public sealed class EtcdDataFormatIsPinned
{
    private static EtcdData Sample() => new(0x1122334455667788, 7, 0xA, 2,
        [new EtcdMemberInfo(0xB, "cp2", "https://127.0.102.2:2380", "https://127.0.102.2:2379", true),
         new EtcdMemberInfo(0xA, "cp1", "https://127.0.102.1:2380", "https://127.0.102.1:2379", false)],
        new Dictionary<string, byte[]> { ["/z"] = [0xFF], ["/a"] = "v"u8.ToArray() });

    [Fact]
    public void The_encoding_matches_the_spec_byte_for_byte()
    {
        var bytes = Sample().Encode();
        var hex = Convert.ToHexStringLower(bytes);
        // Header: magic, version 1, reserved, cluster id, revision 7, leader 0xa, term 2, 2 members, 2 keys.
        Assert.StartsWith("544e4544" + "0001" + "0000" + "1122334455667788" + "0000000000000007" + "000000000000000a" +
                          "0000000000000002" + "00000002" + "00000002", hex);
        // Members in id order (0xa before 0xb), the learner flag on 0xb; keys in ordinal order ("/a" before "/z").
        static string S(string s) => ((ushort)s.Length).ToString("x4") + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(s));
        var member = (ulong id, byte flags, string n, string ip) => id.ToString("x16") + flags.ToString("x2") + S(n) + S($"https://{ip}:2380") + S($"https://{ip}:2379");
        var expectedTail = member(0xA, 0, "cp1", "127.0.102.1") + member(0xB, 1, "cp2", "127.0.102.2") +
                           S("/a") + "00000001" + "76" + S("/z") + "00000001" + "ff";
        Assert.Equal(expectedTail, hex[(EtcdData.HeaderSize * 2)..]);
        var back = EtcdData.Decode(bytes);
        Assert.Equal(Convert.ToHexStringLower(bytes), Convert.ToHexStringLower(back.Encode()));
        Assert.True(back.ById(0xB)!.IsLearner);
        Assert.Equal([0xAUL], back.Voters.Select(v => v.Id));
    }

    [Fact]
    public void A_snapshot_is_the_encoding_followed_by_its_sha256_and_a_flipped_byte_is_refused()
    {
        var data = Sample();
        var snap = EtcdSnapshotFile.Create(data);
        Assert.Equal(data.Encode(), snap[..^32]);
        Assert.Equal(SHA256.HashData(snap[..^32]), snap[^32..]);
        Assert.Equal(7UL, EtcdSnapshotFile.Read(snap, skipHashCheck: false).Revision);
        for (var i = 0; i < snap.Length; i += 7)
        {
            var bad = snap.ToArray();
            bad[i] ^= 0x40;
            var e = Assert.Throws<InvalidEtcdSnapshotException>(() => EtcdSnapshotFile.Read(bad, skipHashCheck: false));
            Assert.Contains("SHA-256", e.Message);
        }
        // Skipping the hash check still refuses bytes that are not etcd data, and reads a copy without trailer.
        Assert.Equal(7UL, EtcdSnapshotFile.Read(data.Encode(), skipHashCheck: true).Revision);
        var garbage = snap.ToArray();
        garbage[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<InvalidEtcdSnapshotException>(() => EtcdSnapshotFile.Read(garbage, skipHashCheck: true)).Message);
        Assert.Throws<InvalidEtcdSnapshotException>(() => EtcdSnapshotFile.Read(snap.AsSpan(0, 40), skipHashCheck: true));
    }

    [Theory]
    [InlineData(60, "truncated")]
    [InlineData(-1, "unexpected bytes")]
    public void Structural_damage_is_reported_with_its_offset(int cut, string reason)
    {
        var bytes = Sample().Encode();
        var damaged = cut >= 0 ? bytes[..cut] : [.. bytes, 0x00];
        Assert.Contains(reason, Assert.Throws<EtcdDataCorruptException>(() => EtcdData.Decode(damaged)).Message);
    }

    [Fact]
    public void Out_of_order_members_are_refused()
    {
        var bytes = Sample().Encode();
        // The first member's id (0xa, at offset 48) becomes 0xc: larger than the second's (0xb).
        Assert.Equal(0x0A, bytes[EtcdData.HeaderSize + 7]);
        bytes[EtcdData.HeaderSize + 7] = 0x0C;
        Assert.Contains("ascending", Assert.Throws<EtcdDataCorruptException>(() => EtcdData.Decode(bytes)).Message);
    }
}
