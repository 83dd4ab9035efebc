namespace InitLab;

/// <summary>
/// Thread counts for InitLab's kernels. There is no process-wide setting: every parallel operation (GEMM, the
/// generator's fills, the orthogonal sampler, spectral norms, the engines) takes an optional trailing
/// <c>threads</c> argument, where 0 (the default) means <see cref="MaxThreads"/> and 1 means serial. Results never
/// depend on it: every parallel kernel splits its work so that each output element is computed by the same sequence
/// of operations whatever the number of threads.
/// </summary>
public static class Parallelism
{
    /// <summary>The thread count a call with <c>threads = 0</c> uses: all cores (<see cref="Environment.ProcessorCount"/>). Read-only.</summary>
    public static int MaxThreads => Environment.ProcessorCount;

    /// <summary>How many times <see cref="For"/> handed work to more than one thread from the calling thread (a
    /// per-thread count, so that tests running side by side do not see each other's): thread-invariance tests check that
    /// their sizes really cross the parallel thresholds.</summary>
    [ThreadStatic]
    internal static int ParallelDispatches;

    /// <summary>Runs <paramref name="body"/> over chunk indices 0..count-1 on up to <paramref name="threads"/> threads
    /// (0 or less: <see cref="MaxThreads"/>).</summary>
    internal static void For(int count, Action<int> body, int threads = 0)
    {
        int used = Math.Min(threads <= 0 ? MaxThreads : threads, count);
        if (used <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        ParallelDispatches++;
        System.Threading.Tasks.Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = used }, body);
    }
}
