using System.Net;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Tests.Api;
using Talos.Machined.Tests.Runtime;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Etcd;

/// <summary>
/// Three control planes as three real <c>machined</c> child processes on 127.0.102.21-23: bootstrap on the first, the
/// others join over the peer port (mutual TLS from the etcd CA in the config), every node agrees on the list; then
/// forfeit-leadership, quorum protection with one member gone, remove-member and leave.
/// </summary>
public sealed class EtcdMembershipAcrossDaemons
{
    private static readonly string[] Addresses = ["127.0.102.21", "127.0.102.22", "127.0.102.23"];
    private const string WorkerAddress = "127.0.102.24";

    [Fact]
    public async Task Three_control_planes_agree_then_quorum_is_protected_and_members_are_removed()
    {
        await using var f = await RuntimeFixture.CreateAsync();   // only its image store is used
        var dir = Directory.CreateTempSubdirectory("talos-etcd-").FullName;
        var pki = new TestPki(102, IPAddress.Parse(Addresses[0]));
        var etcdCa = CertificateAuthority.Create(pki.Context, PkiKeyAlgorithm.EcdsaP256, "etcd");
        var daemons = new List<DaemonProcess>();
        try
        {
            var eps = new List<IPEndPoint>();
            for (var i = 0; i < 3; i++)
            {
                var state = Path.Combine(dir, $"state{i}");
                daemons.Add(DaemonProcess.Start("--disk", Path.Combine(dir, $"cp{i + 1}.img"), "--address", Addresses[i], "--port", "50000",
                    "--size", "256MiB", "--image-store", f.Store.Root, "--state-dir", state));
                eps.Add(await daemons[i].EndPointAsync(state));
                using var insecure = ApiClient.Open(eps[i], null, null);
                await new MachineService.MachineServiceClient(insecure).ApplyConfigurationAsync(new ApplyConfigurationRequest
                {
                    Data = ByteString.CopyFrom(Config(pki, etcdCa, i)), Mode = ApplyConfigurationRequest.Types.Mode.Auto,
                });
            }
            var admins = eps.Select(ep => ApiClient.Open(ep, pki.Client(Roles.Admin), pki.CaCertificate)).ToList();
            var m = admins.Select(ch => new MachineService.MachineServiceClient(ch)).ToList();
            for (var i = 0; i < 3; i++) await UntilAsync(() => EtcdRunningAsync(m[i]), $"cp{i + 1} running with etcd", daemons[i]);

            await WorkerRefusesEtcdAsync(dir, f.Store.Root, pki, daemons);
            await m[0].BootstrapAsync(new BootstrapRequest());
            var lists = await UntilAgreedAsync(m, 3, daemons);
            Assert.Equal(["cp1", "cp2", "cp3"], lists[0].Select(x => x.Hostname).Order());
            Assert.All(lists[0], x => Assert.Equal($"https://{Addresses[int.Parse(x.Hostname[2..]) - 1]}:2380", x.PeerUrls[0]));
            Assert.Equal(3, lists[0].Select(x => x.Id).Distinct().Count());
            // Joined members did not bootstrap: a second bootstrap anywhere is AlreadyExists.
            Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(async () => await m[2].BootstrapAsync(new BootstrapRequest()))).StatusCode);

            // The bootstrap node leads; forfeiting moves leadership to another member.
            var leader = (await m[0].EtcdForfeitLeadershipAsync(new EtcdForfeitLeadershipRequest())).Messages[0].Member;
            Assert.Contains(leader, new[] { "cp2", "cp3" });
            Assert.Equal("", (await m[0].EtcdForfeitLeadershipAsync(new EtcdForfeitLeadershipRequest())).Messages[0].Member);

            // The leader gone (its daemon killed): resetting or upgrading another control plane would break quorum.
            var gone = leader == "cp2" ? 1 : 2;
            daemons[gone].PowerLoss();
            await daemons[gone].WaitForExitAsync();
            var reset = await Assert.ThrowsAsync<RpcException>(async () => await m[0].ResetAsync(new ResetRequest { Graceful = true, Reboot = true }));
            Assert.Equal(StatusCode.FailedPrecondition, reset.StatusCode);
            Assert.Contains("quorum", reset.Status.Detail);
            Assert.Contains($"cp{gone + 1}", reset.Status.Detail);
            var upgrade = await Assert.ThrowsAsync<RpcException>(async () => await m[0].UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2 }));
            Assert.Equal(StatusCode.FailedPrecondition, upgrade.StatusCode);
            Assert.Contains("--force", upgrade.Status.Detail);

            // The dead leader is removed by id: cp1 cannot reach it, takes over (2 of 3 voters started) and commits.
            var survivors = new[] { 0, 3 - gone };
            var goneId = lists[0].Single(x => x.Hostname == $"cp{gone + 1}").Id;
            await m[0].EtcdRemoveMemberByIDAsync(new EtcdRemoveMemberByIDRequest { MemberId = goneId });
            var two = await UntilAgreedAsync(survivors.Select(i => m[i]).ToList(), 2, daemons);
            Assert.DoesNotContain(two[0], x => x.Id == goneId);

            // Two members: upstream refuses to take one away by upgrade; leave still works and leaves one member.
            Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(async () =>
                await m[0].UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2 }))).StatusCode);
            await m[0].EtcdLeaveClusterAsync(new EtcdLeaveClusterRequest());
            var last = await UntilAgreedAsync([m[survivors[1]]], 1, daemons);
            Assert.Equal($"cp{survivors[1] + 1}", last[0].Single().Hostname);
            foreach (var ch in admins) ch.Dispose();
        }
        finally
        {
            foreach (var d in daemons) d.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A worker (OS CA certificate only, no etcd section; API certificate from trustd): every etcd RPC is FailedPrecondition.</summary>
    private static async Task WorkerRefusesEtcdAsync(string dir, string store, TestPki pki, List<DaemonProcess> daemons)
    {
        var state = Path.Combine(dir, "state-worker");
        daemons.Add(DaemonProcess.Start("--disk", Path.Combine(dir, "w1.img"), "--address", WorkerAddress, "--port", "50000",
            "--size", "256MiB", "--image-store", store, "--state-dir", state));
        var ep = await daemons[^1].EndPointAsync(state);
        var text = Encoding.UTF8.GetString(NodeApiHarness.WithCa(RuntimeFixture.Config(type: "worker"), pki));
        var keyLine = text.Split('\n').First(l => l.StartsWith("    key: ", StringComparison.Ordinal));
        text = text.Replace(keyLine + "\n", "", StringComparison.Ordinal).Replace("\n  etcd:\n    ca:\n      crt: Y3J0\n      key: a2V5", "", StringComparison.Ordinal)
            .Replace("https://127.0.0.10:6443", $"https://{Addresses[0]}:6443", StringComparison.Ordinal).Replace("hostname: node1", "hostname: w1", StringComparison.Ordinal);
        using (var insecure = ApiClient.Open(ep, null, null))
            await new MachineService.MachineServiceClient(insecure).ApplyConfigurationAsync(new ApplyConfigurationRequest
            {
                Data = ByteString.CopyFromUtf8(text), Mode = ApplyConfigurationRequest.Types.Mode.Auto,
            });
        using var admin = ApiClient.Open(ep, pki.Client(Roles.Admin), pki.CaCertificate);
        var m = new MachineService.MachineServiceClient(admin);
        await UntilAsync(async () => (await m.ServiceListAsync(new Google.Protobuf.WellKnownTypes.Empty())).Messages[0].Services.Any(s => s.Id == "kubelet"),
            "the worker running behind mutual TLS", daemons[^1]);
        var calls = new Func<Task>[]
        {
            async () => await m.BootstrapAsync(new BootstrapRequest()),
            async () => await m.EtcdMemberListAsync(new EtcdMemberListRequest()),
            async () => await m.EtcdRemoveMemberByIDAsync(new EtcdRemoveMemberByIDRequest { MemberId = 1 }),
            async () => await m.EtcdLeaveClusterAsync(new EtcdLeaveClusterRequest()),
            async () => await m.EtcdForfeitLeadershipAsync(new EtcdForfeitLeadershipRequest()),
            async () => { using var s = m.EtcdSnapshot(new EtcdSnapshotRequest()); await s.ResponseStream.MoveNext(); },
        };
        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Contains("only available on control plane nodes", e.Status.Detail);
        }
    }

    /// <summary>The fixture's control-plane config with real OS and etcd CAs, a hostname per node and the first node as endpoint.</summary>
    private static byte[] Config(TestPki pki, CertificateAuthority etcdCa, int i)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        var text = Encoding.UTF8.GetString(NodeApiHarness.WithCa(RuntimeFixture.Config(), pki));
        const string etcdPlaceholder = "    ca:\n      crt: Y3J0\n      key: a2V5";
        Assert.Contains(etcdPlaceholder, text);
        return Encoding.UTF8.GetBytes(text
            .Replace(etcdPlaceholder, $"    ca:\n      crt: {B64(etcdCa.CertificatePem)}\n      key: {B64(etcdCa.KeyPem)}", StringComparison.Ordinal)
            .Replace("hostname: node1", $"hostname: cp{i + 1}", StringComparison.Ordinal)
            .Replace("https://127.0.0.10:6443", $"https://{Addresses[0]}:6443", StringComparison.Ordinal));
    }

    private static async Task<bool> EtcdRunningAsync(MachineService.MachineServiceClient m)
    {
        var services = (await m.ServiceListAsync(new Google.Protobuf.WellKnownTypes.Empty())).Messages[0].Services;
        return services.Any(s => s.Id == "etcd" && s.State == "Running");
    }

    /// <summary>Polls until every node lists <paramref name="count"/> voters and all lists are identical.</summary>
    private static async Task<List<List<EtcdMember>>> UntilAgreedAsync(IReadOnlyList<MachineService.MachineServiceClient> nodes, int count, List<DaemonProcess> daemons)
    {
        List<List<EtcdMember>> lists = [];
        await UntilAsync(async () =>
        {
            lists = [];
            foreach (var n in nodes)
                lists.Add([.. (await n.EtcdMemberListAsync(new EtcdMemberListRequest())).Messages[0].Members.OrderBy(x => x.Id)]);
            return lists.All(l => l.Count == count && l.All(x => !x.IsLearner) && l.SequenceEqual(lists[0]));
        }, $"{nodes.Count} node(s) agreeing on {count} voters", daemons.ToArray());
        return lists;
    }

    private static async Task UntilAsync(Func<Task<bool>> done, string what, params DaemonProcess[] daemons)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var last = "";
        while (!cts.IsCancellationRequested)
        {
            try { if (await done()) return; }
            catch (RpcException e) { last = e.Status.ToString(); }
            await Task.Delay(250);
        }
        Assert.Fail($"timed out waiting for {what} (last error: {last})\n" + string.Join("\n-----\n", daemons.Select(d => d.Output)));
    }
}
