using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Benchmarks;

/// <summary>
/// Float activation spans (forward and derivative) at the widest lane width and at the scalar one, beside
/// TensorPrimitives' tanh and sigmoid, which InitLab no longer uses (inaccurate near 0 and in the tails; docs/numerics.md).
/// </summary>
[MemoryDiagnoser]
public class ActivationBenchmarks
{
    private float[] _x = null!, _y = null!;

    /// <summary>Elements per call (inputs uniform in [-4, 4]).</summary>
    [Params(1 << 16, 1 << 20)]
    public int N { get; set; }

    /// <summary>The activation.</summary>
    [Params("relu", "tanh", "sigmoid", "gelu", "silu", "mish", "softplus", "elu")]
    public string Name { get; set; } = "tanh";

    private Activation _phi = Activation.Tanh;

    [GlobalSetup]
    public void Setup()
    {
        _x = new float[N];
        _y = new float[N];
        new Random.Generator(1).Uniform(_x, -4f, 4f);
        _phi = ActivationRegistry.Parse(Name);
    }

    [Benchmark(Baseline = true)]
    public void Forward() => _phi.Forward<float>(_x, _y);

    [Benchmark]
    public void Derivative() => _phi.Derivative<float>(_x, _y);

    [Benchmark]
    public void ForwardScalarLanes() => _phi.ApplyAt<float>(false, _x, _y, LaneWidth.Scalar);

    [Benchmark]
    public void TensorPrimitivesForReference()
    {
        if (Name == "sigmoid") TensorPrimitives.Sigmoid<float>(_x, _y);
        else TensorPrimitives.Tanh<float>(_x, _y);
    }
}
