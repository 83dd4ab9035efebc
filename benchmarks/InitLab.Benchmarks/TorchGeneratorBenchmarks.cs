using BenchmarkDotNet.Attributes;
using InitLab.Initializers;
using InitLab.Random;

namespace InitLab.Benchmarks;

/// <summary>
/// PyTorch's generator reproduced (<see cref="TorchGenerator"/>): fills of N float32 on one thread, as PyTorch draws
/// them (MT19937 is sequential), next to the Philox fill on one thread.
/// </summary>
[MemoryDiagnoser]
public class TorchGeneratorBenchmarks
{
    private float[] _x = null!;

    /// <summary>Elements per fill.</summary>
    [Params(1 << 20, 1 << 24)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup() => _x = new float[N];

    [Benchmark(Baseline = true)]
    public void PhiloxNormal() => new Generator(1).Normal(_x, 1);

    [Benchmark]
    public void TorchUniform() => new TorchGenerator(1).Uniform(_x);

    [Benchmark]
    public void TorchNormalAvx2() => new TorchGenerator(1).Normal(_x);

    [Benchmark]
    public void TorchNormalDefaultKernels() => new TorchGenerator(1, TorchCpuCapability.Default).Normal(_x);

    [Benchmark]
    public void TorchTruncNormal() => TorchInit.TruncNormal<float>(_x, new TorchGenerator(1));
}
