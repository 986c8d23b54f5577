using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using Talos.Partitions.State;

namespace Talos.Partitions.Tests.State;

/// <summary>The STATE store (specs/formats/state-store.md): golden bytes, slots, wipes, bad input, and invariant 5 under power loss.</summary>
public class StateStoreTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Slot_golden_bytes()
    {
        var dev = new MemoryBlockDevice(8 * 1024);
        using var store = StateStore.Open(dev);
        store.Put("pki", [0xAB]);
        store.Put("config", U("v1"));   // generation 2 in slot 1; names are sorted in the body
        var slot = dev.Bytes.Slice(4096, 512);
        const string body = "00000002" + "0006" + "636F6E666967" + "00000002" + "7631" + "0003" + "706B69" + "00000001" + "AB";
        Assert.Equal("54414C4F53535441" + "0001" + "0000" + "0000001C" + "0000000000000002", Convert.ToHexString(slot[..24]));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Convert.FromHexString(body))), Convert.ToHexString(slot[24..56]));
        Assert.Equal(Crc32C.Compute(slot[..56]), BinaryPrimitives.ReadUInt32BigEndian(slot[56..]));
        Assert.Equal(body, Convert.ToHexString(slot.Slice(64, 28)));
        Assert.False(slot[(64 + 28)..].ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void Writes_alternate_slots_and_the_newest_valid_generation_wins()
    {
        var dev = new MemoryBlockDevice(8 * 1024);
        using (var store = StateStore.Open(dev))
        {
            Assert.Equal(StateStoreStatus.Empty, store.Status);
            Assert.Null(store.Get("config"));
            store.Put("config", U("one"));
            Assert.Equal((1ul, 0), (store.Generation, store.ActiveSlot));
            store.Put("config", U("two"));
            store.Put("pki", U("ca"));
            Assert.Equal((3ul, 0), (store.Generation, store.ActiveSlot));
        }
        using (var again = StateStore.Open(dev))
        {
            Assert.Equal((StateStoreStatus.Valid, 3ul), (again.Status, again.Generation));
            Assert.Equal(U("two"), again.Get("config"));
            Assert.Equal(["config", "pki"], again.Names);
            Assert.True(again.Delete("pki"));
            Assert.False(again.Delete("pki"));
        }
        // Damage the newest slot (generation 4, after the delete, is in slot 1): the older one is returned.
        dev.Write(4096, new byte[512].Select(_ => (byte)0x77).ToArray());
        using var fallback = StateStore.Open(dev);
        Assert.Equal(3ul, fallback.Generation);
        Assert.Equal(U("two"), fallback.Get("config"));
        Assert.Equal(U("ca"), fallback.Get("pki"));
    }

    [Fact]
    public void Wipes_remove_the_documents()
    {
        var dev = new MemoryBlockDevice(8 * 1024);
        using (var store = StateStore.Open(dev))
        {
            store.Put("config", U("secret"));
            store.Put("config", Enumerable.Repeat((byte)0x5E, 2000).ToArray());
            store.WipeHeaders();
            Assert.Equal(StateStoreStatus.Empty, store.Status);
        }
        using (var again = StateStore.Open(dev))
        {
            Assert.Equal(StateStoreStatus.Empty, again.Status);
            Assert.Null(again.Get("config"));
            Assert.Contains((byte)0x5E, dev.Bytes[(4096 + 512)..].ToArray());   // a header-only wipe leaves the body past the first sector
            again.Put("config", U("x"));
            again.WipeFull();
        }
        Assert.False(dev.Bytes.ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void Bad_input_gets_a_specific_answer_and_changes_nothing()
    {
        var bytes = new byte[8 * 1024];
        new Random(7).NextBytes(bytes);
        var dev = new MemoryBlockDevice(bytes);
        using (var store = StateStore.Open(dev)) Assert.Equal(StateStoreStatus.NoValidSlot, store.Status);
        Assert.True(dev.Bytes.SequenceEqual(bytes));

        var good = new MemoryBlockDevice(8 * 1024);
        using (var s = StateStore.Open(good))
        {
            Assert.Throws<StateDocumentTooLargeException>(() => s.Put("config", new byte[5000]));
            Assert.Throws<ArgumentException>(() => s.Put("", U("x")));
            Assert.False(good.Bytes.ContainsAnyExcept((byte)0));
            s.Put("config", U("v"));
        }
        var header = new byte[512];
        good.Read(0, header);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(56), Crc32C.Compute(header.AsSpan(0, 56)));
        good.Write(0, header);
        Assert.Equal(2, Assert.Throws<StateUnsupportedVersionException>(() => StateStore.Open(good)).Version);
    }

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public void After_a_crash_at_any_write_a_read_returns_the_old_or_the_new_documents(NonEmptyArray<byte> seedDoc, PositiveInt sizeSeed, ulong crashSeed)
    {
        var docs = Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, (sizeSeed.Get * (i + 3)) % 1500).Select(k => (byte)(seedDoc.Get[k % seedDoc.Get.Length] + i)).ToArray()).ToArray();
        void Scenario(PowerLossSimulator sim)
        {
            using var store = StateStore.Open(sim);
            foreach (var d in docs) store.Put("config", d);
        }
        foreach (var point in PowerLossSimulator.EnumerateCrashPoints(() => new MemoryBlockDevice(8 * 1024), Scenario))
        {
            // Writes completed before the crash point: the document then in force is "old", the next one "new".
            var completed = (int)point.Simulator.FlushCount;
            var old = completed == 0 ? null : docs[Math.Min(completed, docs.Length) - 1];
            var next = completed < docs.Length ? docs[completed] : old;
            var disks = point.Simulator.EveryKeepDropCombination().ToList();
            for (ulong s = 0; s < 4; s++) disks.Add(point.Simulator.Crash(crashSeed + s, CrashModel.Default));
            foreach (var disk in disks)
            {
                using var store = StateStore.Open(disk.Image);
                var got = store.Get("config");
                Assert.True(Same(got, old) || Same(got, next), $"crash at op {point.Operation}: got {got?.Length} bytes, neither old nor new; {disk}");
            }
        }
    }

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}
