using Talos.Core.Errors;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// Fuzzing (issue 5): single bit flips and random bytes across a valid META image. Every case must end in a
/// recovered log whose records are exactly a prefix of the original ones, or a TalosException — never another
/// exception, never a hang, never an accepted bad record. Normal run: 100,000+ cases (seeded, deterministic).
/// Soak: set TALOS_FUZZ_CASES (e.g. 10000000) and optionally TALOS_FUZZ_SEED.
/// </summary>
public class MetaLogFuzzTests
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("TALOS_FUZZ_CASES"), out var n) ? n : 100_000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("TALOS_FUZZ_SEED"), out var s) ? s : 20260105;

    private sealed record Original(byte[] Image, List<(ulong Seq, ushort Type, byte[] Payload, byte[] Hash)> Records, ulong Last, long UsedEnd);

    // A log that went through two checkpoints (so both regions hold data) with records of varied sizes.
    private static async Task<Original> BuildAsync()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using (var log = Open(dev))
        {
            for (var i = 0; i < 120; i++)
            {
                await log.AppendAsync([Entry(i, i * 37 % 300)]);
                if (i % 3 == 0) log.AcknowledgeMirrored(log.LastSequence);
            }
        }
        using var audit = MetaLog.OpenReadOnly(dev);
        Assert.True(audit.Generation >= 3, "the fuzz image should have checkpointed at least twice");
        var recs = audit.ReadFrom(audit.FirstSequence).Select(r => (r.Sequence, r.EventType, r.Payload.ToArray(), r.Hash.ToArray())).ToList();
        var sb = Superblock.TryDecode(dev.Bytes[..512], out var super) == SuperblockStatus.Valid ? super! : throw new InvalidOperationException();
        return new Original(dev.Bytes.ToArray(), recs, audit.LastSequence, sb.RegionStart(sb.ActiveRegion) + audit.RegionBytesUsed);
    }

    [Fact]
    public async Task Bit_flips_and_random_bytes_never_crash_and_never_accept_a_bad_record()
    {
        var orig = await BuildAsync();
        var rng = new Random(Seed);
        var dev = new MemoryBlockDevice(orig.Image);
        var outcomes = new int[4];   // clean, truncated, error, fewer records
        for (var c = 0; c < Cases; c++)
        {
            // Half the flips land in the used bytes (superblocks, checkpoint, records), half anywhere.
            long bit = rng.Next(2) == 0 ? rng.NextInt64(orig.UsedEnd * 8) : rng.NextInt64(orig.Image.Length * 8L);
            FlipBit(dev, bit);
            Check(dev, orig, $"seed {Seed} case {c} bit {bit}", outcomes, writable: c % 500 == 0);
            FlipBit(dev, bit);
        }
        var random = new byte[orig.Image.Length];
        for (var c = 0; c < Math.Max(Cases / 50, 100); c++)
        {
            // Random sectors over the valid image (a stray write), or a whole image of random bytes.
            var image = (byte[])orig.Image.Clone();
            if (c % 2 == 0) rng.NextBytes(image.AsSpan(rng.Next(image.Length / 512) * 512, 512));
            else { rng.NextBytes(random); random.CopyTo(image, 0); }
            Check(new MemoryBlockDevice(image), orig, $"seed {Seed} random case {c}", outcomes, writable: c % 10 == 0);
        }
        Assert.True(dev.Bytes.SequenceEqual(orig.Image));
        // The cases must exercise every kind of outcome, or the fuzzer is not reaching the code it claims to test.
        Assert.All(outcomes, count => Assert.True(count > 0, $"outcomes clean/truncated/error/fewer = {string.Join("/", outcomes)}"));
    }

    private static void FlipBit(MemoryBlockDevice dev, long bit)
    {
        var sectorStart = bit / 8 / 512 * 512;
        var sector = new byte[512];
        dev.Read(sectorStart, sector);
        sector[bit / 8 - sectorStart] ^= (byte)(1 << (int)(bit % 8));
        dev.Write(sectorStart, sector);
    }

    private static void Check(IBlockDevice dev, Original orig, string context, int[] outcomes, bool writable)
    {
        try
        {
            using var log = MetaLog.OpenReadOnly(dev);
            outcomes[log.Recovery.Outcome == RecoveryOutcome.Truncated ? 1 : 0]++;
            if (log.LastSequence < orig.Last) outcomes[3]++;
            AssertPrefix(log, orig, context);
        }
        catch (TalosException)
        {
            outcomes[2]++;
            return;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"unexpected {e.GetType().Name}: {e.Message}; {context}");
        }
        if (!writable) return;
        var copy = new MemoryBlockDevice(((MemoryBlockDevice)dev).Bytes);
        using (var log = Open(copy)) AssertPrefix(log, orig, context, allowRepairEvent: true);
        using var again = Open(copy);
        Assert.True(again.Recovery.Outcome == RecoveryOutcome.Clean, $"second open not clean: {again.Recovery}; {context}");
    }

    private static void AssertPrefix(MetaLog log, Original orig, string context, bool allowRepairEvent = false)
    {
        var first = orig.Records[0].Seq;
        foreach (var r in log.ReadFrom(log.FirstSequence))
        {
            if (allowRepairEvent && r.EventType == RepairType && r.Sequence == log.LastSequence) break;
            Assert.True(r.Sequence >= first && r.Sequence <= orig.Last, $"record {r.Sequence} was never written; {context}");
            var o = orig.Records[(int)(r.Sequence - first)];
            Assert.True(o.Type == r.EventType && o.Payload.AsSpan().SequenceEqual(r.Payload.Span) && o.Hash.AsSpan().SequenceEqual(r.Hash.Span),
                $"accepted a record {r.Sequence} that differs from the original; {context}");
        }
    }
}
