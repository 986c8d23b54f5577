using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.Events;

/// <summary>
/// Issue #5: RecordsDropped (type code 75, specs/events.md, specs/meta-log.md) byte for byte, and the Talos.NET
/// RollbackRequest.force field (number 100, specs/api.md) on the wire.
/// </summary>
public sealed class RecordsDroppedIsPinned
{
    [Fact]
    public void Golden_bytes_of_the_event()
    {
        var e = new Ev { SequenceId = "" }.Make(x => x.RecordsDropped = new RecordsDropped { FromSequence = 3, ToSequence = 9, LastDroppedHash = "ab", Reason = "f" });
        // 08 01 sequence | 12 06 … time | 1a 07 "actor-1" | da 04 (field 75, LEN) 0b | from 3, to 9, hash "ab", reason "f"
        Assert.Equal("080112060881f2d6ca061a076163746f722d31" + "da040b" + "0803" + "1009" + "1a026162" + "220166",
            Convert.ToHexStringLower(EventCodec.Encode(e)));
        Assert.Equal(75, EventCodec.TypeCode(e));
        Assert.Equal(EventCodec.Encode(e), EventCodec.Encode(EventCodec.Decode(EventCodec.Encode(e), 75)));
    }

    [Fact]
    public void Golden_bytes_of_maintenance_on_a_booted_slot()
    {
        var e = new Ev { SequenceId = "" }.Make(x => x.MaintenanceEntered = new MaintenanceEntered { Reason = "r", Slot = Slot.B });
        // … | c2 02 (field 40, LEN) 05 | reason "r" | 10 02 slot B
        Assert.Equal("080112060881f2d6ca061a076163746f722d31" + "c20205" + "0a0172" + "1002",
            Convert.ToHexStringLower(EventCodec.Encode(e)));
        Assert.Equal(40, EventCodec.TypeCode(e));
    }

    [Fact]
    public void Rollback_force_is_field_100_and_absent_by_default()
    {
        Assert.Equal("a00601", Convert.ToHexStringLower(Google.Protobuf.MessageExtensions.ToByteArray(new Talos.Api.Machine.RollbackRequest { Force = true })));
        Assert.Empty(Google.Protobuf.MessageExtensions.ToByteArray(new Talos.Api.Machine.RollbackRequest()));
    }
}
