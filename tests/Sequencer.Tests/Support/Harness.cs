using Talos.Partitions.Devices;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;

namespace Talos.Sequencer.Tests.Support;

/// <summary>A node under test: durable media (journal + device) that survive power loss, and a power switch.</summary>
public sealed class Harness
{
    public InMemoryJournal Journal { get; } = new();
    public MemoryBlockDevice Disk { get; } = new(DiskTaskCatalog.RequiredLength(512));
    public PowerSwitch Power { get; } = new();
    public INodeFacts Facts { get; init; } = new StaticNodeFacts();

    /// <summary>The catalog of the current "boot" (volatile state is per boot).</summary>
    public DiskTaskCatalog Catalog { get; private set; }
    public SequenceRunner Runner { get; private set; }
    private SwitchedJournal _journal;

    public Harness()
    {
        _journal = new SwitchedJournal(Journal, Power);
        Catalog = new DiskTaskCatalog(new SwitchedDevice(Disk, Power));
        Runner = new SequenceRunner(Catalog, _journal, TimeProvider.System);
    }

    /// <summary>Power comes back: new runner and catalog (volatile state lost), same journal and disk.</summary>
    public void Reboot()
    {
        Power.Restore();
        _journal = new SwitchedJournal(Journal, Power);
        Catalog = new DiskTaskCatalog(new SwitchedDevice(Disk, Power));
        Runner = new SequenceRunner(Catalog, _journal, TimeProvider.System);
    }

    public Task<RunReport> RunAsync(ISequenceRequest request, string id = "seq-1") =>
        Runner.RunAsync(request, new RunIdentity(id, "actor-" + id), Facts, CancellationToken.None);

    /// <summary>Runs boot-time recovery; the resolver knows the requests of this harness's runs.</summary>
    public Task<IReadOnlyList<RecoveryReport>> RecoverAsync(IReadOnlyDictionary<string, ISequenceRequest> known) =>
        new CrashRecovery(_journal, Catalog, Runner).RecoverAsync(s => known.GetValueOrDefault(s.SequenceId), Facts, CancellationToken.None);

    /// <summary>Runs <paramref name="action"/>, swallowing only the simulated power loss.</summary>
    public static async Task<bool> SurvivesAsync(Func<Task> action)
    {
        try { await action(); return true; }
        catch (Exception ex) when (IsPowerLoss(ex)) { return false; }
    }

    private static bool IsPowerLoss(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is PowerLostException or Partitions.Devices.PowerLossException) return true;
        return false;
    }
}
