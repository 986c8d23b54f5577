using Talos.Upgrade.Slots;

namespace Talos.Upgrade.Tests.Slots;

public sealed class SlotHeaderTests
{
    private static SlotHeader Sample() => new(BootSlot.B,
        4096, 1000, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
        8192, 5000, Enumerable.Range(0, 32).Select(i => (byte)(0xF0 ^ i)).ToArray(),
        Enumerable.Repeat((byte)0xAB, 32).ToArray(),
        "ghcr.io/siderolabs/installer:v1.9.0", "v1.9.0", "amd64", "healthy");

    [Fact]
    public void Golden_bytes_match_the_spec_table()
    {
        var b = Sample().Encode();
        Assert.Equal(SlotHeader.Size, b.Length);
        var fixedPart = Convert.ToHexStringLower(b.AsSpan(0, 0x90));
        Assert.Equal(
            "54414c4f53534c54" + "0001" + "42" + "00" + "00001000" +
            "0000000000001000" + "00000000000003e8" + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
            "0000000000002000" + "0000000000001388" + "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffe0e1e2e3e4e5e6e7e8e9eaebecedeeef" +
            "abababababababababababababababababababababababababababababababab", fixedPart);
        Assert.Equal("0023" + Convert.ToHexStringLower("ghcr.io/siderolabs/installer:v1.9.0"u8), Convert.ToHexStringLower(b.AsSpan(0x90, 2 + 35)));
        Assert.Equal("0006" + Convert.ToHexStringLower("v1.9.0"u8), Convert.ToHexStringLower(b.AsSpan(0x290, 8)));
        Assert.Equal("0005" + Convert.ToHexStringLower("amd64"u8), Convert.ToHexStringLower(b.AsSpan(0x2D0, 7)));
        Assert.Equal("0007" + Convert.ToHexStringLower("healthy"u8), Convert.ToHexStringLower(b.AsSpan(0x2F0, 9)));
        Assert.False(b.AsSpan(0x330, 0xFE0 - 0x330).ContainsAnyExcept((byte)0));
        // The checksum pins every byte above: any layout change shows up here.
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(b.AsSpan(0, 0xFE0))), Sample().ContentDigest());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(b.AsSpan(0, 0xFE0))), Convert.ToHexStringLower(b.AsSpan(0xFE0)));
    }

    [Fact]
    public void Round_trips()
    {
        var h = Sample();
        var d = SlotHeader.TryDecode(h.Encode(), out var reason);
        Assert.NotNull(d);
        Assert.Equal("", reason);
        Assert.Equal(h.Encode(), d.Encode());
        Assert.Equal(("ghcr.io/siderolabs/installer:v1.9.0", "healthy", BootSlot.B), (d.ImageReference, d.ServiceProfile, d.Slot));
    }

    [Fact]
    public void Declared_config_features_make_a_version_2_header_with_the_list_at_0x330()
    {
        var h = Sample() with { ConfigFeatures = ["v1alpha1", "machine.upgrade"] };
        var b = h.Encode();
        Assert.Equal("0002", Convert.ToHexStringLower(b.AsSpan(0x008, 2)));
        Assert.Equal("0018" + Convert.ToHexStringLower("v1alpha1,machine.upgrade"u8), Convert.ToHexStringLower(b.AsSpan(0x330, 2 + 24)));
        Assert.False(b.AsSpan(0x330 + 2 + 24, 0xFE0 - 0x330 - 2 - 24).ContainsAnyExcept((byte)0));
        var d = SlotHeader.TryDecode(b, out var reason);
        Assert.True(d is not null, reason);
        Assert.Equal(["v1alpha1", "machine.upgrade"], d.ConfigFeatures!);
        Assert.Null(SlotHeader.TryDecode(Sample().Encode(), out _)!.ConfigFeatures);   // version 1 declares nothing
        // An empty declaration is kept apart from no declaration.
        Assert.Empty(SlotHeader.TryDecode((Sample() with { ConfigFeatures = [] }).Encode(), out _)!.ConfigFeatures!);
    }

    [Fact]
    public void A_version_1_header_with_bytes_in_the_features_area_is_refused_and_bad_features_are_not_written()
    {
        var b = Sample().Encode();
        b[0x331] = 3;   // a version-1 header keeps 0x330.. reserved
        System.Security.Cryptography.SHA256.HashData(b.AsSpan(0, 0xFE0), b.AsSpan(0xFE0));
        Assert.Null(SlotHeader.TryDecode(b, out var reason));
        Assert.Contains("reserved bytes are not zero", reason);
        Assert.Throws<ArgumentException>(() => (Sample() with { ConfigFeatures = ["a,b"] }).Encode());
        Assert.Throws<ArgumentException>(() => (Sample() with { ConfigFeatures = [new string('x', 255)] }).Encode());
    }

    [Fact]
    public void All_zero_block_is_empty()
    {
        Assert.Null(SlotHeader.TryDecode(new byte[4096], out var reason));
        Assert.StartsWith("empty", reason);
    }

    [Theory]
    [InlineData(0, "bad magic")]
    [InlineData(9, "unsupported slot format version")]
    [InlineData(0x20, "checksum mismatch")]
    [InlineData(0x500, "checksum mismatch")]
    [InlineData(0xFE0, "checksum mismatch")]
    [InlineData(0xFFF, "checksum mismatch")]
    public void Flipped_byte_is_refused_with_reason(int offset, string expected)
    {
        var b = Sample().Encode();
        b[offset] ^= 0x01;
        Assert.Null(SlotHeader.TryDecode(b, out var reason));
        Assert.Contains(expected, reason);
    }

    [Fact]
    public void Torn_header_any_prefix_of_sectors_is_refused()
    {
        var b = Sample().Encode();
        for (var sectors = 1; sectors < 8; sectors++)
        {
            var torn = new byte[4096];
            b.AsSpan(0, sectors * 512).CopyTo(torn);
            Assert.Null(SlotHeader.TryDecode(torn, out var reason));
            Assert.Contains("checksum", reason);
        }
    }

    [Fact]
    public void Too_long_reference_is_refused_before_encoding()
    {
        var h = Sample() with { ImageReference = new string('a', 511) };
        var ex = Assert.Throws<ArgumentException>(() => h.Encode());
        Assert.Contains("longer than 510", ex.Message);
    }
}
