using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Common;
using Talos.Api.Machine;

namespace Talos.Machined.Tests.Api;

/// <summary>Golden wire bytes for the conventions upstream clients and apid's splicing rely on (specs/api.md §7).</summary>
public sealed class WireGoldenBytesTests
{
    [Fact]
    public void A_version_reply_item_starts_with_metadata_as_field_1()
    {
        var reply = new VersionResponse
        {
            Messages =
            {
                new Talos.Api.Machine.Version
                {
                    Metadata = new Metadata { Hostname = "n1" },
                    Version_ = new VersionInfo { Tag = "v1", Os = "linux" },
                    Features = new FeaturesInfo { Rbac = true },
                },
            },
        };
        // 0a 17: messages=1 (len 23); 0a 04 0a 02 "n1": metadata=1{hostname=1}; 12 0b: version=2{tag=1 "v1", os=5 "linux"};
        // 22 02 08 01: features=4{rbac=1 true}
        Assert.Equal("0a170a040a026e31120b0a0276312a056c696e757822020801", Convert.ToHexStringLower(reply.ToByteArray()));
    }

    [Fact]
    public void An_event_carries_its_payload_as_any_with_the_talos_runtime_type_url()
    {
        var payload = new SequenceEvent { Sequence = "boot", Action = SequenceEvent.Types.Action.Start };
        var ev = new Event
        {
            Data = new Any { TypeUrl = "talos/runtime/" + SequenceEvent.Descriptor.FullName, Value = payload.ToByteString() },
            Id = "x1",
            ActorId = "a",
        };
        Assert.Equal("talos/runtime/machine.SequenceEvent", ev.Data.TypeUrl);
        // 12 2f: data=2 (len 47){0a 23 type_url (35), 12 08 value{0a 04 "boot", 10 01}}; 1a 02 "x1": id=3; 22 01 "a": actor_id=4
        Assert.Equal("122f0a2374616c6f732f72756e74696d652f6d616368696e652e53657175656e63654576656e7412080a04626f6f7410011a027831220161",
            Convert.ToHexStringLower(ev.ToByteArray()));
    }

    [Fact]
    public void A_data_chunk_is_metadata_1_bytes_2()
    {
        var d = new Data { Bytes = ByteString.CopyFromUtf8("ok") };
        Assert.Equal("12026f6b", Convert.ToHexStringLower(d.ToByteArray()));
    }
}
