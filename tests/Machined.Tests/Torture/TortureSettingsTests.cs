namespace Talos.Machined.Tests.Torture;

/// <summary>The torture's knobs: defaults, parsing, a clear error for bad values, and the replay command it prints.</summary>
public sealed class TortureSettingsTests
{
    [Fact]
    public void Unset_variables_give_three_cycles_with_seed_one()
    {
        Assert.Equal(new TortureSettings(3, 1), TortureSettings.Parse(null, ""));
    }

    [Fact]
    public void Values_are_parsed_and_the_replay_command_carries_them()
    {
        var s = TortureSettings.Parse("40", "7");
        Assert.Equal(new TortureSettings(40, 7), s);
        Assert.Equal("tests/torture.sh --cycles 40 --seed 7", s.ReplayCommand);
    }

    [Theory]
    [InlineData("0", null, "TALOS_TORTURE_CYCLES")]
    [InlineData("many", null, "TALOS_TORTURE_CYCLES")]
    [InlineData(null, "-3", "TALOS_TORTURE_SEED")]
    public void Bad_values_are_refused_naming_the_variable(string? cycles, string? seed, string variable)
    {
        var e = Assert.Throws<ArgumentException>(() => TortureSettings.Parse(cycles, seed));
        Assert.Contains(variable, e.Message);
    }

    [Fact]
    public void The_plan_is_a_function_of_the_seed_and_starts_with_an_upgrade()
    {
        static List<string> Steps(int seed)
        {
            var p = new TorturePlan(seed);
            return Enumerable.Range(1, 20).Select(c => p.Next(c, canRollBack: true).ToString()).ToList();
        }
        Assert.Equal(Steps(5), Steps(5));
        Assert.NotEqual(Steps(5), Steps(6));
        Assert.Contains("Upgrade", Steps(5)[0]);
        Assert.Contains("at event TrialBootSet", Steps(5)[0]);
        Assert.Contains(Steps(5), s => s.Contains("Rollback", StringComparison.Ordinal));
        Assert.Contains(Steps(5), s => s.Contains("ResetFull", StringComparison.Ordinal));
    }
}
