using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class ShardEnvironmentTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("0", "0", "4", null, null, 1, 4)]   // --array=0-3
    [InlineData("3", "0", "4", null, null, 4, 4)]
    [InlineData("5", "1", "8", null, null, 5, 8)]   // --array=1-8
    [InlineData("10", "4", null, "12", "2", 4, 5)]  // --array=4-12:2 -> ids 4,6,8,10,12
    [InlineData("7", "7", null, "7", null, 1, 1)]
    public void Slurm_arrays_give_the_task_position_and_count(string id, string min, string? count, string? max, string? step, int k, int n)
    {
        var vars = new List<(string, string)> { ("SLURM_ARRAY_TASK_ID", id), ("SLURM_ARRAY_TASK_MIN", min) };
        if (count is not null) vars.Add(("SLURM_ARRAY_TASK_COUNT", count));
        if (max is not null) vars.Add(("SLURM_ARRAY_TASK_MAX", max));
        if (step is not null) vars.Add(("SLURM_ARRAY_TASK_STEP", step));
        var shard = ShardEnvironment.Parse("auto", Env([.. vars]));
        Assert.Equal(new Shard(k, n), shard);
    }

    [Fact]
    public void Kubernetes_indexed_jobs_need_the_count_in_the_option()
    {
        Assert.Equal(new Shard(3, 5), ShardEnvironment.Parse("auto/5", Env(("JOB_COMPLETION_INDEX", "2"))));
        var e = Assert.Throws<ArgumentException>(() => ShardEnvironment.Parse("auto", Env(("JOB_COMPLETION_INDEX", "2"))));
        Assert.Contains("give it as auto/N", e.Message);
        Assert.Contains("outside 1..5", Assert.Throws<ArgumentException>(() => ShardEnvironment.Parse("auto/5", Env(("JOB_COMPLETION_INDEX", "5")))).Message);
    }

    [Fact]
    public void A_given_count_must_agree_with_the_slurm_array()
    {
        var env = Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_COUNT", "4"));
        Assert.Equal(new Shard(2, 4), ShardEnvironment.Parse("auto/4", env));
        Assert.Contains("has 4 tasks, not 3", Assert.Throws<ArgumentException>(() => ShardEnvironment.Parse("auto/3", env)).Message);
    }

    [Theory]
    [InlineData("auto", "no job array found")]
    [InlineData("auto/0", "must be K/N, auto or auto/N")]
    [InlineData("auto/x", "must be K/N, auto or auto/N")]
    [InlineData("automatic", "must be K/N, auto or auto/N")]
    public void Without_a_job_array_auto_is_a_clear_error(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ShardEnvironment.Parse(text, Env()));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("--shard", e.Message);
    }

    [Theory]
    [InlineData("SLURM_ARRAY_TASK_ID", "-1", "must be a non-negative integer")]
    [InlineData("SLURM_ARRAY_TASK_ID", "1.5", "must be a non-negative integer")]
    [InlineData("SLURM_ARRAY_TASK_MIN", "5", "outside 1..")]
    public void Malformed_or_inconsistent_variables_are_named(string variable, string value, string message)
    {
        var vars = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_MIN"] = "0", ["SLURM_ARRAY_TASK_COUNT"] = "3" };
        vars[variable] = value;
        var e = Assert.Throws<ArgumentException>(() => ShardEnvironment.Parse("auto", n => vars.GetValueOrDefault(n)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Explicit_shards_are_parsed_as_before()
    {
        Assert.Equal(new Shard(2, 3), ShardEnvironment.Parse("2/3", Env()));
        Assert.Throws<ArgumentException>(() => ShardEnvironment.Parse("4/3", Env()));
    }
}
