using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Daemon;
using Talos.Machined.Tests.Runtime;
using Talos.Machined.Tests.Support;
using static Talos.Machined.Tests.Api.NodeApiHarness;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// Issue #22 item 6: machined whose log output cannot be written (its stdout is <c>/dev/full</c>: every write fails
/// with ENOSPC, as a full host disk under the node's log file does) keeps running, says so on the kernel ring, and
/// installs. On main it died at its first log line (exit 134, unhandled IOException).
/// </summary>
public sealed class TheDaemonKeepsRunningWhenItsLogCannotBeWritten
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.10.61");

    [Fact]
    public async Task A_daemon_whose_log_is_dev_full_serves_the_api_reports_it_in_dmesg_and_installs()
    {
        await using var f = await RuntimeFixture.CreateAsync();   // only its image store is used
        var dir = Directory.CreateTempSubdirectory("talos-devfull-").FullName;
        try
        {
            var pki = new TestPki(61, Address);
            var state = Path.Combine(dir, "state");
            using var d = DaemonProcess.StartWithOutputTo("/dev/full", "--disk", Path.Combine(dir, "node.img"), "--address", Address.ToString(),
                "--port", "0", "--size", "256MiB", "--image-store", f.Store.Root, "--state-dir", state);
            var ep = await d.EndPointAsync(state);

            using (var insecure = ApiClient.Open(ep, null, null))
            {
                var m = new MachineService.MachineServiceClient(insecure);
                using var dmesg = m.Dmesg(new DmesgRequest());
                var lines = await dmesg.ResponseStream.ReadAllAsync().Select(x => x.Bytes.ToStringUtf8()).ToListAsync();
                Assert.Contains(lines, l => l.Contains("its log output cannot be written", StringComparison.Ordinal) && l.Contains("keeps running", StringComparison.Ordinal));
                await m.ApplyConfigurationAsync(new ApplyConfigurationRequest
                {
                    Data = ByteString.CopyFrom(WithCa(RuntimeFixture.Config(), pki)), Mode = ApplyConfigurationRequest.Types.Mode.Auto,
                });
            }

            // The install logs hundreds of lines into /dev/full; the node must still come up on its API with mutual TLS.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            string last = "";
            while (true)
            {
                try
                {
                    using var admin = ApiClient.Open(ep, pki.Client(Roles.Admin), pki.CaCertificate);
                    var v = await new MachineService.MachineServiceClient(admin).VersionAsync(new Google.Protobuf.WellKnownTypes.Empty());
                    Assert.NotEmpty(v.Messages);
                    break;
                }
                catch (RpcException e) { last = e.Status.ToString(); }
                Assert.False(cts.IsCancellationRequested, $"the node did not serve mutual TLS after the install (last: {last})");
                await Task.Delay(200);
            }
            Assert.False(d.HasExited, "machined exited while its log could not be written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>The writer itself: drops and counts lines while the inner writer fails, reports once, says what it dropped.</summary>
public sealed class ALogWriterDegradesInsteadOfThrowing
{
    private sealed class Flaky : StringWriter
    {
        public bool Full { get; set; }
        public override void Write(string? value) { if (Full) throw new IOException("No space left on device"); base.Write(value); }
        public override void WriteLine(string? value) { if (Full) throw new IOException("No space left on device"); base.WriteLine(value); }
    }

    [Fact]
    public void Failed_lines_are_dropped_counted_reported_once_and_announced_when_the_log_is_back()
    {
        var inner = new Flaky();
        var w = new DegradingLogWriter(inner);
        var reports = new List<string>();
        w.WriteLine("one");
        inner.Full = true;
        w.WriteLine("two");
        w.WriteLine("three");
        Assert.Equal(2, w.Dropped);
        w.Unavailable = reports.Add;   // set late: the outage that happened before is reported now
        Assert.Single(reports);
        Assert.Contains("No space left on device", reports[0]);
        inner.Full = false;
        w.WriteLine("four");
        Assert.Equal(0, w.Dropped);
        Assert.Equal("one\nmachined: the log was unavailable; 2 line(s) were dropped\nfour\n", inner.ToString().Replace("\r\n", "\n"));
        Assert.Single(reports);
    }
}
