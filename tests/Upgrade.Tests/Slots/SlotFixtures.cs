using System.Security.Cryptography;
using Talos.Upgrade.Slots;

namespace Talos.Upgrade.Tests.Slots;

/// <summary>Deterministic payloads for slot tests.</summary>
internal static class SlotFixtures
{
    public static byte[] Bytes(int size, int seed)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    public static SlotPart Part(byte[] data) => new(() => new MemoryStream(data, writable: false), data.Length, SHA256.HashData(data));

    public static SlotPayload Payload(byte[] kernel, byte[] initramfs, string version = "v1.9.0", string profile = "healthy") =>
        new("ghcr.io/siderolabs/installer:" + version, version, "amd64", profile,
            SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("manifest " + version)), Part(kernel), Part(initramfs));
}
