using System.Globalization;

namespace InitLab.Propagation;

/// <summary>
/// Which shard of a grid this process runs when a job array starts one process per shard (<c>--shard auto</c>):
/// SLURM job arrays (<c>SLURM_ARRAY_TASK_ID</c> with <c>SLURM_ARRAY_TASK_COUNT</c>, or <c>SLURM_ARRAY_TASK_MIN</c> and
/// <c>SLURM_ARRAY_TASK_MAX</c>, and <c>SLURM_ARRAY_TASK_STEP</c> when the array has one) or Kubernetes Indexed Jobs
/// (<c>JOB_COMPLETION_INDEX</c>, 0-based; Kubernetes does not publish the number of completions, so give it as
/// <c>auto/N</c>).
/// </summary>
public static class ShardEnvironment
{
    /// <summary>
    /// Parses a shard given as <c>K/N</c> (<see cref="Shard.Parse"/>), or as <c>auto</c> / <c>auto/N</c> resolved from the
    /// job array's environment (<see cref="Resolve"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Malformed text, or no job array in the environment for <c>auto</c>.</exception>
    public static Shard Parse(string text, Func<string, string?> variable, string name = "--shard")
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith("auto", StringComparison.Ordinal)) return Shard.Parse(text, name);
        var (index, count) = Resolve(text, variable, name);
        return new Shard(index, count);
    }

    /// <summary>
    /// Resolves <c>auto</c> or <c>auto/N</c> to a 1-based shard (K, N) from the environment. Task k of an array of N
    /// (in the order of its ids) runs shard k: SLURM's K = (ID - MIN) / STEP + 1; Kubernetes' K = JOB_COMPLETION_INDEX + 1.
    /// </summary>
    /// <param name="text"><c>auto</c>, or <c>auto/N</c> to give (or check) the number of shards.</param>
    /// <param name="variable">Reads an environment variable (null when unset), e.g. <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    /// <param name="name">The option name used in messages.</param>
    /// <exception cref="ArgumentException">No job-array variables, malformed values, or a shard outside 1..N.</exception>
    public static (int Index, int Count) Resolve(string text, Func<string, string?> variable, string name = "--shard")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(variable);
        int? given = null;
        if (text != "auto")
        {
            if (!text.StartsWith("auto/", StringComparison.Ordinal) || !TryInt(text[5..], out int n) || n < 1)
                throw new ArgumentException($"{name} must be K/N, auto or auto/N (N a positive integer), got '{text}'.", name);
            given = n;
        }
        int index, count;
        if (variable("SLURM_ARRAY_TASK_ID") is { } idText)
        {
            int id = Int(idText, "SLURM_ARRAY_TASK_ID", name);
            int min = variable("SLURM_ARRAY_TASK_MIN") is { } m ? Int(m, "SLURM_ARRAY_TASK_MIN", name) : 0;
            int step = variable("SLURM_ARRAY_TASK_STEP") is { } s ? Int(s, "SLURM_ARRAY_TASK_STEP", name) : 1;
            if (step < 1) throw new ArgumentException($"{name} auto: SLURM_ARRAY_TASK_STEP must be >= 1, got {step}.", name);
            if ((id - min) % step != 0)
                throw new ArgumentException($"{name} auto: SLURM_ARRAY_TASK_ID {id} is not MIN {min} plus a multiple of STEP {step}.", name);
            index = (id - min) / step + 1;
            if (variable("SLURM_ARRAY_TASK_COUNT") is { } c) count = Int(c, "SLURM_ARRAY_TASK_COUNT", name);
            else if (variable("SLURM_ARRAY_TASK_MAX") is { } max && variable("SLURM_ARRAY_TASK_MIN") is not null)
                count = (Int(max, "SLURM_ARRAY_TASK_MAX", name) - min) / step + 1;
            else if (given is { } g) count = g;
            else throw new ArgumentException($"{name} auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN/MAX is; give the shard count as auto/N.", name);
            if (given is { } n && n != count)
                throw new ArgumentException($"{name} {text}: the SLURM array has {count} tasks, not {n}.", name);
        }
        else if (variable("JOB_COMPLETION_INDEX") is { } jobIndex)
        {
            index = Int(jobIndex, "JOB_COMPLETION_INDEX", name) + 1;
            count = given ?? throw new ArgumentException($"{name} auto: JOB_COMPLETION_INDEX is set but Kubernetes does not publish the number of completions; give it as auto/N.", name);
        }
        else
        {
            throw new ArgumentException($"{name} {text}: no job array found (neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set); give the shard as K/N.", name);
        }
        if (count < 1 || index < 1 || index > count)
            throw new ArgumentException($"{name} {text}: the environment gives shard {index} of {count}, outside 1..{Math.Max(count, 1)}.", name);
        return (index, count);
    }

    private static bool TryInt(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static int Int(string s, string variable, string name) => TryInt(s.Trim(), out int v)
        ? v
        : throw new ArgumentException($"{name} auto: {variable} must be a non-negative integer, got '{s}'.", name);
}
