namespace InitLab;

/// <summary>
/// Process-wide thread settings for InitLab's kernels. Results never depend on this value:
/// every parallel kernel splits its work so that each output element is computed by the same
/// sequence of operations whatever the number of threads.
/// </summary>
public static class Parallelism
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>Maximum number of threads a kernel may use (default: the processor count; 1 = serial).</summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set
        {
            if (value < 1)
                throw new ArgumentException($"MaxThreads must be >= 1, got {value}.", nameof(value));
            _maxThreads = value;
        }
    }

    /// <summary>Runs <paramref name="body"/> over chunk indices 0..count-1 on up to <see cref="MaxThreads"/> threads.</summary>
    internal static void For(int count, Action<int> body)
    {
        int threads = Math.Min(MaxThreads, count);
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        System.Threading.Tasks.Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
