using Talos.Partitions.Devices;
using Xunit.Abstractions;

namespace Talos.Simulation.Tests;

/// <summary>
/// Exhaustive mode (issue #11): for one install, one upgrade, one rollback and one reset of a small image, the power
/// fails at every I/O operation (each write and each flush) in turn, and every crash point is recovered under
/// DropAll, KeepAll and two seeds of the default (tearing) model; all invariants are checked after each recovery and
/// a fault-free liveness phase must end Running on a confirmed slot. The upgrade scenario runs to the confirmation:
/// its crash points include the trial boot, the health results and the BootConfirmed append (coverage "boot//[]").
/// </summary>
public sealed class EveryCrashPointOfOneLifecycle(ITestOutputHelper output)
{
    private static readonly (ulong Seed, CrashModel Model)[] Variants =
        [(0, CrashModel.DropAll), (0, CrashModel.KeepAll), (1, CrashModel.Default), (2, CrashModel.Default)];

    public static TheoryData<string> Scenarios => new() { "install", "upgrade", "rollback", "reset" };

    [Theory]
    [MemberData(nameof(Scenarios))]
    // On the one simulated CPU (SimScheduler): deterministic interleaving of the runtime's tasks.
    public Task Every_crash_point_recovers_with_every_invariant(string scenario) => SimScheduler.RunAsync(() => RunAsync(scenario));

    private async Task RunAsync(string scenario)
    {
        var images = await SimImages.GetAsync();
        var report = new SimReport();
        var (prefix, op) = Plan(scenario);
        var sim = new Simulation(1000, images, report);
        var origin = new SimNode(images, new SimRng(1000), SimOptions.DefaultDiskBytes);
        sim.Attach(origin);
        Assert.True(await origin.PowerOnAsync());
        foreach (var p in prefix) Assert.True(await sim.RunOpAsync(p), $"prefix step {p} lost power");
        var prefixSteps = sim.Steps.ToList();
        var image = origin.Snapshot();
        SimNode.Abandon(origin.Runtime);
        var points = 0L;
        for (long k = 0; ; k++)
        {
            sim.RestartSteps(prefixSteps);
            var node = new SimNode(images, new SimRng(2000 + (ulong)k), SimNode.Fork(image), origin);
            sim.Attach(node);
            Assert.True(await node.PowerOnAsync());
            var before = Before.Of(node);
            node.Disk.CrashAtOperation = node.Disk.OperationCount + k;
            var run = op with { };
            report.Cycle();
            if (await sim.RunOpAsync(run))
            {
                run.Completed = true;
                sim.CheckSettled(before, run, crashed: false);
                SimNode.Abandon(node.Runtime);
                break;
            }
            points++;
            var dead = node.Disk;
            node.Drain();
            var crashSteps = sim.Steps.ToList();
            foreach (var (i, v) in Variants.Index())
            {
                sim.RestartSteps(crashSteps);
                var fork = new SimNode(images, new SimRng(3000 + (ulong)k), dead.Crash(v.Seed, v.Model), node);
                await Replay(sim, fork, before, run, v, scenario, k);
                if (i > 0) report.ExtraCrashState();
            }
        }
        var title = $"exhaustive {scenario}: {points} crash points x {Variants.Length} disk variants";
        output.WriteLine(report.Summary(title));
        output.WriteLine("report: " + report.WriteFile("exhaustive-" + scenario, title));
        Assert.True(points > 10, $"only {points} crash points: the scenario did not run");
    }

    private static async Task Replay(Simulation sim, SimNode fork, Before before, SimOp op, (ulong Seed, CrashModel Model) v, string scenario, long k)
    {
        try
        {
            await sim.RecoverAsync(fork, before, op, v);
            await sim.LivenessAsync();
        }
        catch (Exception e) when (e is InvariantViolation or SimulationException)
        {
            Assert.Fail($"{scenario}, crash at operation {k}, model {v.Model} seed {v.Seed}: {e.Message}\nreplay: dotnet test tests/Simulation --filter \"FullyQualifiedName~EveryCrashPointOfOneLifecycle\"\nsteps:\n  "
                        + string.Join("\n  ", sim.Steps.TakeLast(12)));
        }
        finally { SimNode.Abandon(fork.Runtime); }   // a live runtime's META writer thread would keep the fork's disk alive
    }

    private static (SimOp[] Prefix, SimOp Op) Plan(string scenario)
    {
        var install = new SimOp("apply", "maintenance", NewConfig: Simulation.Cfg("node1").Digest);
        var upgrade = new SimOp("upgrade", "good", Image: SimImages.Healthy2);
        return scenario switch
        {
            "install" => ([], install),
            "upgrade" => ([install], upgrade),
            "rollback" => ([install, upgrade], new SimOp("rollback", "")),
            "reset" => ([install], new SimOp("reset", "full", WipesConfig: true)),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
    }
}
