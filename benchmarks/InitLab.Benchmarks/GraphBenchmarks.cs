using BenchmarkDotNet.Attributes;
using InitLab.Networks;
using InitLab.Networks.Families;

namespace InitLab.Benchmarks;

/// <summary>
/// The explicit engine at init on the networks of issue 10: resnet:blocks=8,width=64,size=56 with batch 8, and 12 pre-LN
/// transformer blocks (dim 512, 8 heads, 256 tokens) with batch 4. <see cref="Run"/> is what <c>propagate --model</c> does (draw
/// every parameter, forward, measure every node); <see cref="Forward"/> is the forward pass alone with drawn parameters, the
/// like of PyTorch's <c>model(x)</c> (benchmarks/peer.py resnet|transformer).
/// </summary>
public class GraphBenchmarks
{
    private Graph _graph = null!;
    private NetworkParameters<float> _parameters = null!;
    private int _batch;

    /// <summary>The network.</summary>
    [Params("resnet", "transformer")]
    public string Network { get; set; } = "resnet";

    /// <summary>Threads the ops may use.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_graph, _batch) = Network == "resnet"
            ? (ModelFamilies.Build("resnet:blocks=8,width=64,size=56"), 8)
            : (ModelFamilies.Build("transformer:layers=12,dim=512,heads=8,tokens=256,ln=pre"), 4);
        _parameters = NetworkParameters<float>.Draw(_graph, 1);
    }

    [Benchmark(Baseline = true)]
    public GraphTrace Run() => ExplicitGraphEngine.Run(_graph, new ExplicitOptions { Batch = _batch, Seed = 1, Threads = Threads });

    [Benchmark]
    public float[] Forward() => ExplicitGraphEngine.Forward(_graph, _parameters, _batch, threads: Threads).Output;
}
