using Talos.Partitions.Devices;
using Talos.Upgrade.Slots;
using static Talos.Upgrade.Tests.Slots.SlotFixtures;

namespace Talos.Upgrade.Tests.Slots;

/// <summary>
/// A write error in the middle of streaming a part: the writer overlaps the next chunk's read (and this chunk's hash)
/// with the write. Before, the error left that work running while the source stream and the hasher were disposed on
/// the way out: a read from a disposed stream, and a faulted task nobody observed (found by the simulation, issue #11).
/// </summary>
public sealed class SlotWriterWriteErrorTests
{
    [Fact]
    public void A_write_error_lets_the_overlapped_read_finish_before_the_source_is_disposed()
    {
        var kernel = Bytes(3 * 4096, 7);
        var source = new GatedStream(kernel);
        var disk = new FailingDevice(new MemoryBlockDevice(1 << 20), failAtWrite: 2, onFail: source.ReleaseLater);
        var payload = Payload(kernel, Bytes(4096, 8)) with { Kernel = new SlotPart(() => source, kernel.Length, System.Security.Cryptography.SHA256.HashData(kernel)) };

        var e = Assert.Throws<IOException>(() => new SlotWriter(chunkSize: 4096).Write(disk, BootSlot.B, BootSlot.A, payload));

        Assert.Equal("injected write error", e.Message);
        // Whatever the writer left running finishes within the gate's 200 ms: look at what it did.
        SpinWait.SpinUntil(() => source.Reads >= 2 && source.Finished == source.Reads, TimeSpan.FromSeconds(5));
        Assert.True(source.Disposed, "the writer did not dispose the source stream");
        Assert.True(source.Reads >= 2, "the overlapped read of the next chunk never started: the test did not exercise the overlap");
        Assert.False(source.UsedAfterDispose, "the overlapped read ran on after the writer disposed the source stream");
    }

    /// <summary>Fails the n-th write (1-based) with an IOException after calling <c>onFail</c>.</summary>
    private sealed class FailingDevice(IBlockDevice inner, int failAtWrite, Action onFail) : IBlockDevice
    {
        private int _writes;
        public int SectorSize => inner.SectorSize;
        public long Length => inner.Length;
        public void Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
        public void Flush() => inner.Flush();
        public void Dispose() => inner.Dispose();

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            if (++_writes == failAtWrite)
            {
                onFail();
                throw new IOException("injected write error");
            }
            inner.Write(offset, data);
        }
    }

    /// <summary>
    /// A source whose second and later reads wait for a gate, released 200 ms after the device fails: a writer that
    /// does not wait for its overlapped read has disposed the stream by then.
    /// </summary>
    private sealed class GatedStream(byte[] data) : MemoryStream(data, writable: false)
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private int _reads, _finished;
        public int Reads => Volatile.Read(ref _reads);
        public int Finished => Volatile.Read(ref _finished);
        public bool Disposed { get; private set; }
        public bool UsedAfterDispose { get; private set; }

        public void ReleaseLater() => _ = Task.Delay(200).ContinueWith(_ => _gate.Set(), TaskScheduler.Default);

        // MemoryStream.Read(Span) of a derived type comes here through Stream.Read(Span).
        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                if (Interlocked.Increment(ref _reads) > 1) _gate.Wait(TimeSpan.FromSeconds(10));
                if (Disposed) { UsedAfterDispose = true; return 0; }
                return base.Read(buffer, offset, count);
            }
            finally { Interlocked.Increment(ref _finished); }
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
