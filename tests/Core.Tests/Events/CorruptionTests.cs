using FsCheck;
using FsCheck.Fluent;
using Talos.Core.Errors;
using Talos.Core.Events;
using Talos.Core.State;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.Events;

/// <summary>Flipped or random bytes give the documented error type, never another exception, never a silent change.</summary>
public sealed class CorruptionTests
{
    private static readonly FsCheck.Config Cfg = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void Corrupted_event_bytes_either_fail_with_EventDecodeException_or_decode_canonically()
    {
        var input = EventGen.Logs(3).Where(l => l.Length > 0).Zip(Gen.Choose(0, 10_000).Zip(Gen.Choose(1, 255))).ToArbitrary();
        Check.One(Cfg, Prop.ForAll(input, t =>
        {
            var (log, (pos, mask)) = t;
            var bytes = EventCodec.Encode(log[0]);
            bytes[pos % bytes.Length] ^= (byte)mask;
            try
            {
                var e = EventCodec.Decode(bytes);
                return EventCodec.Encode(e).SequenceEqual(bytes); // a flip that yields another valid canonical event
            }
            catch (EventDecodeException)
            {
                return true;
            }
        }));
    }

    [Fact]
    public void Random_bytes_never_escape_as_another_exception()
    {
        Check.One(Cfg, Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            try { EventCodec.Decode(bytes); } catch (EventDecodeException) { }
            try { NodeState.FromSnapshot(bytes); } catch (SnapshotDecodeException) { }
            return true;
        }));
    }

    [Fact]
    public void Corrupted_snapshots_are_rejected_or_restore_exactly()
    {
        var input = EventGen.Logs(30).Zip(Gen.Choose(0, 10_000).Zip(Gen.Choose(1, 255))).ToArbitrary();
        Check.One(Cfg, Prop.ForAll(input, t =>
        {
            var (log, (pos, mask)) = t;
            var bytes = NodeState.Replay(log).ToSnapshot();
            bytes[pos % bytes.Length] ^= (byte)mask;
            try
            {
                return NodeState.FromSnapshot(bytes).ToSnapshot().SequenceEqual(bytes);
            }
            catch (SnapshotDecodeException)
            {
                return true;
            }
        }));
    }
}
