using Talos.Upgrade.Images;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Tests.Images;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("ghcr.io/siderolabs/installer:v1.9.0", "ghcr.io", "siderolabs/installer", "v1.9.0", null)]
    [InlineData("alpine", "docker.io", "library/alpine", "latest", null)]
    [InlineData("index.docker.io/alpine:3", "docker.io", "library/alpine", "3", null)]
    [InlineData("siderolabs/installer", "docker.io", "siderolabs/installer", "latest", null)]
    [InlineData("localhost/foo", "localhost", "foo", "latest", null)]
    [InlineData("localhost:5000/a/b/c:t_1.x-y", "localhost:5000", "a/b/c", "t_1.x-y", null)]
    [InlineData("127.0.5.1:5001/siderolabs/installer:v1.9.1", "127.0.5.1:5001", "siderolabs/installer", "v1.9.1", null)]
    [InlineData("Foo/bar", "Foo", "bar", "latest", null)] // an upper-case first component is a registry host, as in docker
    [InlineData("Registry.Example/foo", "Registry.Example", "foo", "latest", null)]
    [InlineData("[::1]:5000/foo:bar", "[::1]:5000", "foo", "bar", null)]
    [InlineData("foo__bar/a.b-c---d", "docker.io", "foo__bar/a.b-c---d", "latest", null)]
    [InlineData("ghcr.io/x/y@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io", "x/y", null, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("ghcr.io/x/y:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io", "x/y", "v1", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Parses_like_docker_distribution(string text, string registry, string repository, string? tag, string? digest)
    {
        var r = ImageReference.Parse(text);
        Assert.Equal(new ImageReference(registry, repository, tag, digest), r);
        Assert.Equal(r, ImageReference.Parse(r.ToString())); // the normalised form is a fixed point
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("docker.io/Foo", "must be lowercase")]
    [InlineData("ghcr.io/x/y:", "tag")]
    [InlineData("ghcr.io/x/y:-bad", "tag")]
    [InlineData("ghcr.io/x/y@sha256:abc", "digest")]
    [InlineData("ghcr.io/x//y", "invalid path component")]
    [InlineData("ghcr.io/x/y-", "invalid path component")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "image ID")]
    [InlineData("-bad.host/x", "registry")]
    public void Refuses_with_a_specific_reason(string text, string reason)
    {
        var ex = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse(text));
        Assert.Contains(reason, ex.Message);
        Assert.False(ImageReference.TryParse(text, out _));
    }

    [Fact]
    public void Name_longer_than_255_is_refused()
    {
        var ex = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse("ghcr.io/" + new string('a', 250)));
        Assert.Contains("255", ex.Message);
    }
}
