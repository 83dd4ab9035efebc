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

/// <summary>
/// The MLP lab's layer product y = x W^T (batch x width times the width x width weight, transposed): the thin path (W's rows
/// read in place, only x packed) against the packed path forced on the same shape. Both give the same bits.
/// </summary>
public class ThinGemmBenchmarks
{
    private float[] _x = null!, _w = null!, _y = null!;

    /// <summary>Rows of x (the batch).</summary>
    [Params(64, 256)]
    public int Batch { get; set; }

    /// <summary>Layer width (W is width x width).</summary>
    [Params(4096)]
    public int Width { get; set; }

    /// <summary>Threads the product may use.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(1);
        _x = new float[Batch * Width]; _w = new float[Width * Width]; _y = new float[Batch * Width];
        g.Normal(_x); g.Normal(_w);
    }

    [Benchmark(Baseline = true)]
    public void Thin() => PackedGemm.Run(false, true, Batch, Width, Width, 1f, _x, Width, _w, Width, 0f, _y, Width, Threads, thin: true);

    [Benchmark]
    public void Packed() => PackedGemm.Run(false, true, Batch, Width, Width, 1f, _x, Width, _w, Width, 0f, _y, Width, Threads, thin: false);
}
