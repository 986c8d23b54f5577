using Talos.Sequencer.Errors;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Sequences;

namespace Talos.Sequencer.Tests;

public class RequestValidationTests
{
    public static IEnumerable<object[]> Bad() =>
    [
        [new ResetRequest(Mode: WipeMode.UserDisks, SystemLabelsToWipe: ["STATE"]), "systemLabelsToWipe"],
        [new ResetRequest(Mode: WipeMode.SystemDisk, UserDisksToWipe: ["/dev/sdb"]), "userDisksToWipe"],
        [new ResetRequest(SystemLabelsToWipe: ["HOME"]), "systemLabelsToWipe"],
        [new ResetRequest(SystemLabelsToWipe: ["STATE", "STATE"]), "systemLabelsToWipe"],
        [new UpgradeRequest(""), "image"],
        [new UpgradeRequest("img", RebootMode: RebootMode.Force), "rebootMode"],
        [new InstallRequest("", "img"), "disk"],
        [new InstallRequest("/dev/sda", " "), "image"],
        [new MaintenanceUpgradeRequest(""), "image"],
        [new UpgradeRequest("ghcr.io/x:1 --evil"), "image"],
        [new InstallRequest("/dev/sd a", "img"), "disk"],
    ];

    [Theory]
    [MemberData(nameof(Bad))]
    public void Bad_requests_get_a_specific_error_naming_the_field(ISequenceRequest request, string field)
    {
        var ex = Assert.Throws<InvalidSequenceRequestException>(() => SequenceLibrary.Build(request));
        Assert.Equal(field, ex.Field);
        Assert.Contains("fix the request", ex.Message);
    }

    [Fact]
    public void Every_task_name_is_unique_camelCase_and_rerun_tasks_are_idempotent()
    {
        Assert.NotEmpty(TaskDirectory.All);
        foreach (var d in TaskDirectory.All.Values)
        {
            Assert.Same(d, d.Validate());
            if (d.Recovery is TaskRecovery.Compensate c) Assert.Equal(TaskRecovery.Rerun, TaskDirectory.All[c.CompensationTask].Recovery);
        }
        Assert.Throws<ArgumentException>(() => new TaskDescriptor("notIdem", "x", false, TaskRecovery.Rerun).Validate());
        Assert.Throws<ArgumentException>(() => new TaskDescriptor("Bad-Name", "x", true, TaskRecovery.Drop).Validate());
    }

    [Fact]
    public void Phase_lists_reject_duplicate_empty_and_reserved_phases()
    {
        Assert.Throws<ArgumentException>(() => new PhaseListBuilder().Append("a", ServiceTasks.Reboot).Append("a", ServiceTasks.Reboot));
        Assert.Throws<ArgumentException>(() => new PhaseListBuilder().Append("a"));
        Assert.Throws<ArgumentException>(() => new PhaseListBuilder().Append("done", ServiceTasks.Reboot));
    }

    [Fact]
    public void Stage_upgrade_requests_run_the_stageUpgrade_sequence_and_a_stopAll_tail_is_shared()
    {
        var staged = new UpgradeRequest("img", Stage: true);
        Assert.Equal(SequenceName.StageUpgrade, staged.Sequence);
        Assert.Equal("stage", SequenceLibrary.Build(staged)[0].Name);
        var tail = SequenceLibrary.StopAll(kexec: true).Select(p => p.Name).ToList();
        var reboot = SequenceLibrary.Build(new RebootRequest()).Select(p => p.Name).ToList();
        Assert.Equal(tail, reboot.Skip(2).Take(tail.Count).ToList());
        Assert.DoesNotContain("kexec", SequenceLibrary.Build(new RebootRequest(RebootMode.PowerCycle)).Select(p => p.Name));
        Assert.Equal(["reboot"], SequenceLibrary.Build(new RebootRequest(RebootMode.Force)).Select(p => p.Name));
    }

    [Fact]
    public void Wire_names_round_trip_and_unknown_ones_are_rejected()
    {
        foreach (var n in Enum.GetValues<SequenceName>()) Assert.Equal(n, SequenceNames.Parse(n.Wire()));
        Assert.Equal("stageUpgrade", SequenceName.StageUpgrade.Wire());
        Assert.Throws<ArgumentException>(() => SequenceNames.Parse("Upgrade"));
    }
}

public class RequestCodecTests
{
    [Theory]
    [MemberData(nameof(Support.RequestVariants.Names), MemberType = typeof(Support.RequestVariants))]
    public void Every_request_is_rebuilt_exactly_from_its_recorded_text(string variant)
    {
        var request = Support.RequestVariants.Get(variant);
        var parsed = RequestCodec.TryParse(request.Sequence.Wire(), request.Describe());
        Assert.NotNull(parsed);
        Assert.Equal(request.GetType(), parsed!.GetType());
        Assert.Equal(request.Describe(), parsed.Describe());
        Assert.Equal(SequenceLibrary.Build(request).Select(p => p.ToString()), SequenceLibrary.Build(parsed).Select(p => p.ToString()));
    }

    [Theory]
    [InlineData("upgrade", "image=x preserve=false stage=false force=false")] // missing key
    [InlineData("upgrade", "image=x preserve=maybe stage=false force=false rebootMode=Default")]
    [InlineData("upgrade", "image=x preserve=false stage=false force=false rebootMode=Default extra=1")]
    [InlineData("reboot", "mode=Sideways")]
    [InlineData("nosuch", "")]
    [InlineData("reset", "graceful=true reboot=false mode=All labels=STATE userDisks=[] controlPlane=true")]
    public void Unrecognisable_text_is_refused_rather_than_guessed(string sequence, string text) =>
        Assert.Null(RequestCodec.TryParse(sequence, text));
}
