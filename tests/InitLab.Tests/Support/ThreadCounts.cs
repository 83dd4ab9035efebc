namespace InitLab.Tests;

/// <summary>Helpers for the thread-invariance tests: the thread count is a per-call argument, never shared state.</summary>
internal static class ThreadCounts
{
    /// <summary>The thread counts every invariance test compares: serial, two, an odd count, and the default (0 = all cores).</summary>
    public static readonly int[] All = [1, 2, 3, 0];

    /// <summary>
    /// Runs <paramref name="run"/> with <paramref name="threads"/> and asserts that it really handed work to several
    /// threads, so that an invariance test whose sizes fall below every parallel threshold fails instead of comparing
    /// serial runs with each other.
    /// </summary>
    public static T Parallel<T>(int threads, Func<int, T> run)
    {
        int before = InitLab.Parallelism.ParallelDispatches;
        T result = run(threads);
        if ((threads == 0 ? InitLab.Parallelism.MaxThreads : threads) > 1)
            Assert.True(InitLab.Parallelism.ParallelDispatches > before,
                $"the run with {threads} thread(s) stayed serial: its sizes are below every parallel threshold, so it tests nothing.");
        return result;
    }
}
