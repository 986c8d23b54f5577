using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Integration.Tests.Support;
using Talos.Partitions.Layout;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// talosctl forensics verify -n (issue #10): the running node re-hashes BOOT-A/B and EFI over its API, compares with
/// the log and a known-good list, and records each mismatch in META as a ForensicDigestMismatch event.
/// </summary>
public sealed class OnlineForensicsRecordsMismatches : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(OnlineForensicsRecordsMismatches));
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-online-forensics-").FullName;

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_clean_node_verifies_and_a_flipped_byte_in_BOOT_A_is_reported_recorded_and_fails()
    {
        await using var live = await LiveNode.StartAsync(_dir, "127.0.105.12", _schema, 12);
        var digestA = live.Node.State.SlotA.Digest;
        var known = Path.Combine(_dir, "known-good");
        await File.WriteAllTextAsync(known, $"# trusted images\nsha256:{digestA} v1.9.0\n");

        var ok = await live.Talosctl("forensics", "verify", "--known-good", known);
        Assert.True(ok.Code == 0, ok.Out + ok.Err);
        var lines = ok.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"NODE {live.Node.NodeId} (log head ", lines[0]);
        Assert.Matches($"^BOOT-A +MATCH +recorded={digestA} measured={digestA} +v1\\.9\\.0 matches the log and the known-good list$", lines[1]);
        Assert.StartsWith("BOOT-B  EMPTY", lines[2]);
        Assert.StartsWith("EFI     NOTRECORDED", lines[3]);
        Assert.Equal("OK", lines[^1]);
        Assert.Equal(0UL, live.Node.State.Counters.ForensicMismatches);

        // Tamper: flip one byte inside slot A's image content.
        var bootA = TalosLayout.OpenPartition(live.Disk, "BOOT-A");
        var sector = new byte[512];
        bootA.Read(512 * 300, sector);
        sector[17] ^= 0x40;
        bootA.Write(512 * 300, sector);
        live.Disk.Flush();

        var bad = await live.Talosctl("forensics", "verify", "--known-good", known);
        Assert.Equal(1, bad.Code);
        var badLines = bad.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches($"^BOOT-A +MISMATCH +recorded={digestA} measured=", badLines[1]);
        var recorded = Assert.Single(badLines, l => l.StartsWith("RECORDED ", StringComparison.Ordinal));
        Assert.Equal("MISMATCH", badLines[^1]);
        var seq = ulong.Parse(recorded.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        var e = Assert.Single(live.Node.Journal.ReadAll(), x => x.Sequence == seq);
        Assert.Equal("BOOT-A", e.ForensicDigestMismatch.Area);
        Assert.Equal(Slot.A, e.ForensicDigestMismatch.Slot);
        Assert.Equal(digestA, e.ForensicDigestMismatch.Expected);
        Assert.NotEqual(digestA, e.ForensicDigestMismatch.Actual);
        Assert.False(string.IsNullOrEmpty(e.ForensicDigestMismatch.Detail));
        Assert.Equal(1UL, live.Node.State.Counters.ForensicMismatches);
    }

    [Fact]
    public void The_mismatch_event_with_its_detail_encodes_to_the_golden_bytes()
    {
        var e = new NodeEvent
        {
            Sequence = 7,
            ForensicDigestMismatch = new ForensicDigestMismatch { Area = "BOOT-A", Slot = Slot.B, Expected = "aa", Actual = "bb", Detail = "x" },
        };
        // 08 07 | field 39 (0xba 0x02) len 21 | area "BOOT-A" | slot 2 | expected "aa" | actual "bb" | detail (field 5) "x"
        Assert.Equal("0807ba02150a06424f4f542d4110021a02616122026262" + "2a0178", Convert.ToHexStringLower(EventCodec.Encode(e)));
        Assert.Equal(39, EventCodec.TypeCode(e));
        Assert.Equal("x", EventCodec.Decode(EventCodec.Encode(e), 39).ForensicDigestMismatch.Detail);
    }
}
