using System.Runtime.ExceptionServices;

namespace InitLab.Experiments;

/// <summary>
/// Runs the classic experiments on a few worker threads, the costliest first, and lets an experiment hand a side
/// computation that needs no random numbers (the exact law of a shared matrix: nine 512 x 512 double products) to whichever
/// worker is free, so that no worker is left with two long pieces of work at the end while the other idles.
/// </summary>
/// <remarks>
/// Only the schedule depends on the number of workers: every experiment draws from its own stream, a deferred computation is
/// a pure function of its inputs, and each kernel is thread-invariant, so the results are bit-identical on any count.
/// A worker waiting for a deferred computation that nobody has started runs it itself; one that another worker is running
/// is waited for (a deferred computation never waits on anything, so this cannot deadlock).
/// </remarks>
internal sealed class ExperimentJobs
{
    private readonly object gate = new();
    private readonly Queue<IDeferred> deferred = new();
    private readonly int[] order;
    private int next, running;

    private ExperimentJobs(int[] order)
    {
        this.order = order;
    }

    /// <summary>Runs <paramref name="body"/>(i, jobs) for every i of <paramref name="order"/>, taken in that order by up to
    /// <paramref name="workers"/> threads (0: all cores), deferred computations first whenever one is waiting.</summary>
    public static void Run(int[] order, int workers, Action<int, ExperimentJobs> body)
    {
        var jobs = new ExperimentJobs(order);
        int used = Math.Min(workers <= 0 ? Parallelism.MaxThreads : workers, order.Length);
        Parallelism.For(Math.Max(used, 1), _ => jobs.Work(body), used);
    }

    /// <summary>A computation that a free worker may run while the caller goes on; <see cref="Deferred{T}.Result"/>
    /// runs it on the caller when nobody has started it.</summary>
    public Deferred<T> Defer<T>(Func<T> work)
    {
        var d = new Deferred<T>(work);
        lock (gate)
        {
            deferred.Enqueue(d);
            Monitor.Pulse(gate);
        }
        return d;
    }

    private void Work(Action<int, ExperimentJobs> body)
    {
        while (true)
        {
            IDeferred? side = null;
            int item = -1;
            lock (gate)
            {
                while (true)
                {
                    if (deferred.Count > 0)
                    {
                        side = deferred.Dequeue();
                        break;
                    }
                    if (next < order.Length)
                    {
                        item = order[next++];
                        running++;
                        break;
                    }
                    // Nothing to start: wait while a running experiment may still defer work, else stop.
                    if (running == 0) return;
                    Monitor.Wait(gate);
                }
            }
            if (side is not null)
            {
                side.TryRun();
                continue;
            }
            try
            {
                body(item, this);
            }
            finally
            {
                lock (gate)
                {
                    running--;
                    Monitor.PulseAll(gate);
                }
            }
        }
    }
}

/// <summary>A deferred computation of <see cref="ExperimentJobs"/>.</summary>
internal interface IDeferred
{
    /// <summary>Runs the computation unless someone already started it.</summary>
    void TryRun();
}

/// <summary>A computation run once, by a free worker or by the first caller of <see cref="Result"/>.</summary>
internal sealed class Deferred<T>(Func<T> work) : IDeferred
{
    private readonly ManualResetEventSlim done = new();
    private int claimed;
    private T? result;
    private ExceptionDispatchInfo? error;

    /// <summary>A computation that runs when its result is first asked for (no worker to hand it to).</summary>
    public static Deferred<T> Inline(Func<T> work) => new(work);

    public void TryRun()
    {
        if (Interlocked.Exchange(ref claimed, 1) != 0) return;
        try
        {
            result = work();
        }
        catch (Exception e)
        {
            error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            done.Set();
        }
    }

    /// <summary>The result, computed here if nobody has started it, else waited for.</summary>
    public T Result
    {
        get
        {
            TryRun();
            done.Wait();
            error?.Throw();
            return result!;
        }
    }
}
