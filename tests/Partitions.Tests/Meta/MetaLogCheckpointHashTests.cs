using Talos.Partitions.Audit;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// Issue #22 item 3: the checkpoint block's hash of the record it follows (bytes 32..63) is compared with the stored
/// record, or with the first stored record's link when the region starts right after it; a mismatch is reported by the
/// open and is an audit error.
/// </summary>
public class MetaLogCheckpointHashTests
{
    private const long Region1 = 4096 + 30720;

    private static async Task<MemoryBlockDevice> Checkpointed(bool mirrored)
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using var log = Open(dev);
        for (var i = 0; i < 20; i++) await log.AppendAsync([Entry(i)]);
        if (mirrored) log.AcknowledgeMirrored(log.LastSequence);
        await log.CheckpointAsync();
        Assert.Equal((2ul, 20ul, mirrored ? 21ul : 1ul), (log.Generation, log.Checkpoint.CheckpointSequence, log.FirstSequence));
        return dev;
    }

    // Rewrites the active checkpoint (region 1) with another record hash and a valid CRC.
    private static void ForgeCheckpointHash(MemoryBlockDevice dev)
    {
        var block = new byte[512];
        dev.Read(Region1, block);
        Assert.Equal(CheckpointStatus.Valid, CheckpointHeader.TryDecode(block, out var cp));
        var forged = cp! with { CheckpointHash = cp.CheckpointHash.Select(b => (byte)~b).ToArray() };
        var encoded = new byte[forged.BlockLength(512)];
        forged.Encode(encoded);
        dev.Write(Region1, encoded);
    }

    [Theory]
    [InlineData(false)]   // record 20 is still stored in the region
    [InlineData(true)]    // the region starts at 21, whose link is record 20's hash
    public async Task A_checkpoint_hash_that_differs_from_the_stored_chain_is_reported(bool mirrored)
    {
        var dev = await Checkpointed(mirrored);
        using (var clean = MetaLog.OpenReadOnly(dev))
        {
            Assert.Null(clean.Recovery.CheckpointMismatch);
            Assert.DoesNotContain(DiskAudit.Run(clean).Problems, p => p.Kind == "checkpoint");
        }
        ForgeCheckpointHash(dev);
        using var log = MetaLog.OpenReadOnly(dev);
        var mismatch = Assert.IsType<string>(log.Recovery.CheckpointMismatch);
        Assert.Contains("the checkpoint says record 20 hashes", mismatch);
        Assert.Contains(mirrored ? "first record 21 links to" : "the stored record 20 hashes", mismatch);
        var problem = Assert.Single(DiskAudit.Run(log).Problems, p => p.Kind == "checkpoint");
        Assert.Equal(AuditSeverity.Error, problem.Severity);
    }
}
