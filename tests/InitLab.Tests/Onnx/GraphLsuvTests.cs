using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Onnx;
using InitLab.Propagation;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Onnx;

/// <summary>
/// LSUV on a network graph (<see cref="Lsuv.Run(Graph, NetworkParameters{float}, int, ulong, IReadOnlyDictionary{string, float[]}?, double, int, int)"/>),
/// checked independently: the rescaled parameters are written back into the ONNX model, ONNX Runtime runs it on the same batch,
/// and the test measures every weighted node's output variance itself (unbiased, in double) from ONNX Runtime's values.
/// </summary>
public sealed class GraphLsuvTests
{
    private const double Tolerance = 0.05;

    /// <summary>The unbiased sample variance sum((x - mean)^2) / (n - 1), two passes in double.</summary>
    private static double Variance(float[] x)
    {
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        double ss = 0;
        foreach (var v in x) ss += (v - mean) * (v - mean);
        return ss / (x.Length - 1);
    }

    private static (GraphLsuvResult Lsuv, OnnxImport Import, ProbeTrace Before, ProbeTrace After) RunOn(string fixture, string? scheme, int batch,
        int maxIterations = 10, ModelTensor? input = null)
    {
        var model = ModelFiles.Read(Fixtures.PathOf(fixture));
        var start = scheme is null ? model : ModelReinit.Apply(model, Schemes.Create(scheme), 5).Model;
        var before = OnnxProbe.Run(start, new ProbeOptions { Batch = batch, Seed = 11, KeepValues = true, Input = input, Threads = 1 });
        var import = OnnxGraphImport.Import(start);
        var inputs = new Dictionary<string, float[]> { [import.Inputs[before.InputName]] = before.InputValues! };
        var result = Lsuv.Run(import.Graph, import.Parameters, batch, seed: 11, inputs, Tolerance, maxIterations, threads: 1);
        var rewritten = start.WithTensors(import.WriteBack(start, result.Parameters));
        var after = OnnxProbe.Run(rewritten, new ProbeOptions { Batch = batch, Seed = 11, KeepValues = true, Input = input, Threads = 1 });
        Assert.Equal(before.InputValues, after.InputValues);
        return (result, import, before, after);
    }

    [Theory]
    [InlineData("ops/torch_net.onnx", null, 4)]       // conv, batch norm (running statistics), linear, layer norm, GELU
    [InlineData("ops/conv.onnx", "orthogonal", 3)]    // grouped and padded convs, pools, a final linear
    [InlineData("cnn.onnx", null, 4)]
    [InlineData("mlp_trained.onnx", "orthogonal", 16)] // the paper's orthonormal pre-init on an MLP
    public void After_lsuv_onnx_runtime_measures_unit_variance_at_every_weighted_node(string fixture, string? scheme, int batch)
    {
        var (lsuv, import, before, after) = RunOn(fixture, scheme, batch);
        var weighted = import.Nodes.Where(n => n.Op is "linear" or "conv").ToList();
        Assert.Equal(weighted.Select(n => n.Node), lsuv.Layers.Select(l => l.Node));
        Assert.True(lsuv.Converged, string.Join("; ", lsuv.Layers.Select(l => $"{l.Node} std {l.Std} after {l.Iterations}")));
        bool someWereOff = false;
        foreach (var (node, layer) in weighted.Zip(lsuv.Layers))
        {
            double was = Variance(before.Values![node.Output]);
            double now = Variance(after.Values![node.Output]);
            someWereOff |= Math.Abs(was - 1) >= Tolerance;
            // ONNX Runtime's variance is within the tolerance of 1, and it is the variance LSUV reported (float rounding of two engines).
            Assert.True(Math.Abs(now - 1) < Tolerance, $"{node.Node}: ONNX Runtime variance {now} (was {was})");
            Assert.Equal(layer.Std * layer.Std, now, 1e-4 * now);
            Assert.Equal(layer.Op, node.Op);
            Assert.Equal(layer.Iterations == 0, layer.Scale == 1);
        }
        Assert.True(someWereOff, "the start already had unit variance everywhere: the test would not see LSUV do anything");
    }

    [Fact]
    public void A_residual_transformer_block_reaches_unit_variance_behind_its_embedding()
    {
        var ids = ModelTensor.FromBytes("ids", [1, 5], DTypes.Int64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new long[] { 1, 7, 3, 49, 0 }.AsSpan()));
        var (lsuv, import, _, after) = RunOn("transformer.onnx", "xavier_uniform", 1, input: ids);
        Assert.Equal(2, lsuv.Layers.Count);
        Assert.True(lsuv.Converged);
        foreach (var node in import.Nodes.Where(n => n.Op == "linear"))
            Assert.True(Math.Abs(Variance(after.Values![node.Output]) - 1) < Tolerance, node.Node);
    }

    [Fact]
    public void A_layer_that_runs_out_of_rescales_is_reported_with_its_measured_std()
    {
        // One rescale per layer of a trained model (its biases stay): whether a layer made it is what ONNX Runtime measures.
        var (lsuv, import, _, after) = RunOn("mlp_trained.onnx", null, 16, maxIterations: 1);
        Assert.All(lsuv.Layers, l => Assert.True(l.Iterations <= 1));
        Assert.Equal(lsuv.Layers.All(l => l.Converged), lsuv.Converged);
        foreach (var (node, layer) in import.Nodes.Where(n => n.Op == "linear").Zip(lsuv.Layers))
        {
            double now = Variance(after.Values![node.Output]);
            Assert.Equal(layer.Std * layer.Std, now, 1e-4 * now);
            Assert.Equal(Math.Abs(now - 1) < Tolerance, layer.Converged);
        }
    }

    [Fact]
    public void The_start_is_not_changed_and_bad_arguments_name_the_parameter()
    {
        var import = OnnxGraphImport.Import(ModelFiles.Read(Fixtures.PathOf("cnn.onnx")));
        var copy = import.Graph.Parameters.ToDictionary(p => p.FullName, p => (float[])import.Parameters[p].Clone());
        Lsuv.Run(import.Graph, import.Parameters, 2, 1, threads: 1);
        Assert.All(import.Graph.Parameters, p => Assert.Equal(copy[p.FullName], import.Parameters[p]));
        Assert.Equal("tolerance", Assert.Throws<ArgumentException>(() => Lsuv.Run(import.Graph, import.Parameters, 2, 1, tolerance: 0)).ParamName);
        Assert.Equal("maxIterations", Assert.Throws<ArgumentException>(() => Lsuv.Run(import.Graph, import.Parameters, 2, 1, maxIterations: 0)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentException>(() => Lsuv.Run(import.Graph, import.Parameters, 0, 1)).ParamName);
        var other = OnnxGraphImport.Import(ModelFiles.Read(Fixtures.PathOf("cnn.onnx")));
        Assert.Equal("start", Assert.Throws<ArgumentException>(() => Lsuv.Run(import.Graph, other.Parameters, 2, 1)).ParamName);
    }
}
