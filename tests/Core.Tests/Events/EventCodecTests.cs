using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf.Reflection;
using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.Events;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.Events;

public sealed class EventCodecTests
{
    private static NodeEvent Sample()
    {
        var e = new Ev().Written(Slot.B, 'a', "v1.2.3");
        e.ImageWrittenToSlot.Size = 300;
        return e;
    }

    [Fact]
    public void Golden_bytes_of_an_image_written_event()
    {
        var hex = Convert.ToHexStringLower(EventCodec.Encode(Sample()));
        // 08 01 sequence=1 | 12 06 08 81 e0 d5 ca 06 time | 1a 07 "actor-1" | 22 05 "seq-1" | 82 02 <len> payload field 32
        // Byte table in specs/events.md ("Golden example").
        Assert.Equal("080112060881f2d6ca061a076163746f722d3122057365712d3182025b0802120a696d673a76312e322e331a40" +
            string.Concat(Enumerable.Repeat("61", 64)) + "20ac022a0676312e322e33", hex);
        Assert.Contains("1a076163746f722d31" + "22057365712d31" + "8202", hex);
        Assert.Equal(32, EventCodec.TypeCode(Sample()));
        Assert.Equal(EventCodec.Encode(Sample()), EventCodec.Encode(EventCodec.Decode(EventCodec.Encode(Sample()))));
    }

    [Fact]
    public void Canonical_json_uses_proto_names_and_enum_names()
    {
        var json = EventCodec.ToCanonicalJson(Sample());
        Assert.Equal(
            "{ \"sequence\": \"1\", \"time\": \"2026-01-01T00:00:01Z\", \"actor_id\": \"actor-1\", \"sequence_id\": \"seq-1\", " +
            "\"image_written_to_slot\": { \"slot\": \"SLOT_B\", \"image_ref\": \"img:v1.2.3\", \"digest\": \"" + Ev.Digest('a') +
            "\", \"size\": \"300\", \"version\": \"v1.2.3\" } }", json);
        Assert.Equal(Sample(), EventCodec.FromJson(json));
    }

    [Fact]
    public void Every_payload_round_trips_through_bytes_and_json()
    {
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(EventGen.LogArb(5), log => log.All(e =>
            EventCodec.Decode(EventCodec.Encode(e), EventCodec.TypeCode(e)).Equals(e)
            && EventCodec.FromJson(EventCodec.ToCanonicalJson(e)).Equals(e))));
    }

    [Theory]
    [InlineData("")]                 // empty: parses as an event without payload
    [InlineData("ff")]               // truncated varint tag
    [InlineData("0801")]             // envelope only
    [InlineData("08011a")]           // truncated length-delimited field
    [InlineData("deadbeefcafebabe")] // garbage
    public void Garbage_is_rejected_with_a_decode_error(string hex)
    {
        var ex = Assert.Throws<EventDecodeException>(() => EventCodec.Decode(Convert.FromHexString(hex)));
        Assert.Equal(ErrorCode.DataLoss, ex.Code);
    }

    [Fact]
    public void Unknown_fields_and_wrong_frame_type_code_are_rejected()
    {
        var bytes = EventCodec.Encode(Sample());
        var withUnknown = bytes.Concat(new byte[] { 0xf8, 0x3e, 0x01 }).ToArray(); // field 999 varint 1
        Assert.Contains("canonical", Assert.Throws<EventDecodeException>(() => EventCodec.Decode(withUnknown)).Reason);
        Assert.Contains("type code 33", Assert.Throws<EventDecodeException>(() => EventCodec.Decode(bytes, 33)).Reason);
        Assert.Throws<EventDecodeException>(() => EventCodec.FromJson("{\"sequence\": 1}"));
        Assert.Throws<EventDecodeException>(() => EventCodec.FromJson("{\"nope\": 1}"));
        Assert.Throws<ArgumentException>(() => EventCodec.Encode(new NodeEvent()));
    }

    [Fact]
    public void Type_code_table_in_specs_events_md_matches_the_proto()
    {
        // specs/events.md is the contract readers of META logs use; it must list every oneof case with its number.
        var doc = File.ReadAllText(SpecPath("events.md"));
        var payload = NodeEvent.Descriptor.Oneofs.Single(o => o.Name == "payload");
        foreach (FieldDescriptor f in payload.Fields)
            Assert.Contains($"| {f.FieldNumber} | `{f.MessageType.Name}` |", doc);
        Assert.True(payload.Fields.Count >= 33, "catalogue shrank");
    }

    internal static string SpecPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var p = Path.Combine(dir.FullName, "specs", name);
            if (File.Exists(p))
                return p;
        }
        throw new FileNotFoundException("specs/" + name + " not found above " + AppContext.BaseDirectory);
    }
}

public sealed class StateSpecSyncTests
{
    [Fact]
    public void Node_state_format_spec_lists_every_snapshot_field()
    {
        var doc = File.ReadAllText(EventCodecTests.SpecPath("formats/node-state.md"));
        foreach (var f in Talos.Api.State.NodeStateSnapshot.Descriptor.Fields.InFieldNumberOrder())
            Assert.Contains($"| {f.FieldNumber} | {f.Name} |", doc);
        foreach (var f in Talos.Api.State.SlotSnapshot.Descriptor.Fields.InFieldNumberOrder())
            Assert.Contains($"{f.Name} {f.FieldNumber}", doc);
    }
}
