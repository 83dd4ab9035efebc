using BenchmarkDotNet.Attributes;
using InitLab.LinearAlgebra;
using InitLab.Random;

namespace InitLab.Benchmarks;

/// <summary>Square float32 and float64 GEMM through the library entry point, and the naive reference for scale.</summary>
public class GemmBenchmarks
{
    private float[] _a = null!, _b = null!, _c = null!;
    private double[] _ad = null!, _bd = null!, _cd = null!;

    /// <summary>Matrix order.</summary>
    [Params(512, 1024, 2048)]
    public int N { get; set; }

    /// <summary>Threads the product may use.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(1);
        _a = new float[N * N]; _b = new float[N * N]; _c = new float[N * N];
        _ad = new double[N * N]; _bd = new double[N * N]; _cd = new double[N * N];
        g.Normal(_a); g.Normal(_b); g.Normal(_ad); g.Normal(_bd);
    }

    [Benchmark(Baseline = true)]
    public void Sgemm() => Gemm.Multiply(false, false, N, N, N, 1f, _a, N, _b, N, 0f, _c, N, Threads);

    [Benchmark]
    public void SgemmTransposedB() => Gemm.Multiply(false, true, N, N, N, 1f, _a, N, _b, N, 0f, _c, N, Threads);

    [Benchmark]
    public void Dgemm() => Gemm.Multiply(false, false, N, N, N, 1.0, _ad, N, _bd, N, 0.0, _cd, N, Threads);
}
