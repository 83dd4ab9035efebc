using System.Globalization;
using InitLab.Propagation;

namespace InitLab.Cli;

/// <summary>
/// Refuses, before any work, a run whose estimated memory exceeds what this process may use or whose work is out of
/// all proportion, with one line that names the option to reduce and the estimate (design: no option combination may
/// crash the process or run for days by accident).
/// </summary>
internal static class Resources
{
    /// <summary>About a day of this library's kernels on a workstation; beyond it a typo is far likelier than intent.</summary>
    public const double MaxOperations = 1e16;

    /// <summary>The memory a command may plan to use: 80% of what the garbage collector reports available (container limits included).</summary>
    public static double DefaultBudget() => 0.8 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Refuses <paramref name="estimate"/> when it does not fit.</summary>
    /// <param name="ctx">The context, whose <see cref="CliContext.MemoryBudget"/> is the limit.</param>
    /// <param name="estimate">The library's estimate.</param>
    /// <param name="options">For each part of the estimate, the option that drives it and its value as given (e.g. "depth" -&gt; ("--depth", "1000000000")).</param>
    /// <param name="what">What runs, for the message (e.g. "propagate on the explicit engine").</param>
    /// <exception cref="UsageException">The run does not fit.</exception>
    public static void Check(CliContext ctx, ResourceEstimate estimate, IReadOnlyDictionary<string, (string Option, string Value)> options, string what)
    {
        string Blame() => options.TryGetValue(estimate.Dominant, out var o) ? $"{o.Option} {o.Value}" : what;
        string Given() => string.Join(", ", options.Values.Select(o => $"{o.Option} {o.Value}"));
        if (estimate.Bytes > ctx.MemoryBudget)
            throw new UsageException($"{Blame()}: {what} needs about {ResourceEstimate.FormatBytes(estimate.Bytes)} of memory ({Given()}), " +
                $"more than the {ResourceEstimate.FormatBytes(ctx.MemoryBudget)} available; reduce {Blame().Split(' ')[0]}.");
        if (estimate.Operations > MaxOperations)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{Blame()}: {what} needs about {estimate.Operations:0.#e+0} floating-point operations ({Given()}), days of work; reduce {Blame().Split(' ')[0]}."));
    }

    /// <summary>Refuses an allocation of <paramref name="bytes"/> that exceeds the budget, naming <paramref name="option"/>.</summary>
    /// <exception cref="UsageException">It does not fit.</exception>
    public static void CheckBytes(CliContext ctx, double bytes, string option, string value, string what)
    {
        if (bytes > ctx.MemoryBudget)
            throw new UsageException($"{option} {value}: {what} needs about {ResourceEstimate.FormatBytes(bytes)} of memory, " +
                $"more than the {ResourceEstimate.FormatBytes(ctx.MemoryBudget)} available; reduce {option}.");
    }
}
