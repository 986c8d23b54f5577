using Google.Protobuf;
using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.Events;

namespace Talos.Core.Tests.Events;

/// <summary>
/// The strict canonical check of <see cref="EventCodec.Decode(ReadOnlySpan{byte})"/> re-encodes into a reused buffer
/// (issue #11): bytes that parse to the same event but are not its canonical encoding are still refused, whether
/// their length differs (non-minimal varint, unknown field) or not (fields out of order), small or large.
/// </summary>
public sealed class CanonicalCheckTests
{
    private const string NotCanonical = "not in canonical form (unknown fields or non-canonical encoding)";

    private static NodeEvent Started(int requestLength) => new()
    {
        Sequence = 7,
        ActorId = "op-1",
        SequenceId = "seq-1",
        SequenceStarted = new SequenceStarted { Sequence = "install", Request = new string('r', requestLength) },
    };

    // The same event with its sequence_id (field 4) written first: parses equal, same length, other bytes.
    private static byte[] OutOfOrder(NodeEvent e)
    {
        var head = new NodeEvent { SequenceId = e.SequenceId }.ToByteArray();
        var rest = e.Clone();
        rest.SequenceId = "";
        return [.. head, .. rest.ToByteArray()];
    }

    [Theory]
    [InlineData(10)]    // re-encoded on the stack
    [InlineData(470)]   // just under the stack limit
    [InlineData(4000)]  // re-encoded into a pooled array
    public void Canonical_bytes_decode_and_reordered_fields_of_the_same_length_do_not(int requestLength)
    {
        var e = Started(requestLength);
        var canonical = EventCodec.Encode(e);
        Assert.Equal(e, EventCodec.Decode(canonical, EventCodec.TypeCode(e)));

        var reordered = OutOfOrder(e);
        Assert.Equal(canonical.Length, reordered.Length);
        Assert.NotEqual(canonical, reordered);
        Assert.Equal(e, NodeEvent.Parser.ParseFrom(reordered)); // plain protobuf would accept it
        var ex = Assert.Throws<EventDecodeException>(() => EventCodec.Decode(reordered));
        Assert.Equal(NotCanonical, ex.Reason);
        Assert.Equal(ErrorCode.DataLoss, ex.Code);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(4000)]
    public void Longer_encodings_of_the_same_event_are_refused(int requestLength)
    {
        var canonical = EventCodec.Encode(Started(requestLength));
        Assert.Equal(0x08, canonical[0]); // field 1 (sequence) varint, value 7 in one byte
        byte[] padded = [0x08, 0x87, 0x00, .. canonical[2..]]; // 7 as a two-byte varint
        byte[] unknown = [.. canonical, 0xf8, 0x3e, 0x01];     // field 999
        Assert.Equal(NotCanonical, Assert.Throws<EventDecodeException>(() => EventCodec.Decode(padded)).Reason);
        Assert.Equal(NotCanonical, Assert.Throws<EventDecodeException>(() => EventCodec.Decode(unknown)).Reason);
    }
}
