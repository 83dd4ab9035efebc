using BenchmarkDotNet.Attributes;
using InitLab.Random;

namespace InitLab.Benchmarks;

/// <summary>Philox fills of N float32 at each lane width (the library picks the widest; the others are for comparison).</summary>
[MemoryDiagnoser]
public class FillBenchmarks
{
    private float[] _x = null!;

    /// <summary>Elements per fill.</summary>
    [Params(1 << 20, 1 << 24)]
    public int N { get; set; }

    /// <summary>Threads the fill may use.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = new float[N];
    }

    [Benchmark(Baseline = true)]
    public void SpanFill() => _x.AsSpan().Fill(1.5f);

    [Benchmark]
    public void Uniform() => new Generator(1).Uniform(_x, Threads);

    [Benchmark]
    public void Normal() => new Generator(1).Normal(_x, Threads);

    [Benchmark]
    public void TruncatedNormal() => new Generator(1).TruncatedNormal(_x, 0f, 1f, -2f, 2f, Threads);

    [Benchmark]
    public void NormalScalarKernel() => PhiloxFill.Fill(_x, 1, 0, 0, new NormalFloatOp(0f, 1f), PhiloxFill.LaneWidth.Scalar);

    [Benchmark]
    public void NormalV256Kernel() => PhiloxFill.Fill(_x, 1, 0, 0, new NormalFloatOp(0f, 1f), PhiloxFill.LaneWidth.V256);
}
