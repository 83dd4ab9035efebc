using System.Numerics;
using InitLab.LinearAlgebra;
using InitLab.Networks;
using InitLab.Random;

namespace InitLab.Training;

/// <summary>
/// Any network graph (a family such as <c>cnn:...</c> or a JSON spec) as a classifier. A graph whose output has exactly
/// one value per class is the classifier itself (its output are the logits, e.g. <c>cnn:...,classes=10</c>); any other
/// output is flattened and followed by a linear readout <c>z = y W_o^T + b_o</c> with W_o ~ N(0, 1 / fan_in) from the
/// Philox stream of "training.readout.weight" and b_o = 0. The graph's parameters are drawn as the explicit engine draws
/// them (<see cref="NetworkParameters{T}.Draw"/>); the forward and backward passes are the graph walk's
/// (<see cref="ExplicitGraphEngine.Forward{T}"/>). Normalization layers use the statistics of the batch they see, in
/// training and in testing alike (InitLab's graphs keep no running averages).
/// </summary>
public sealed class GraphClassifier
{
    private readonly float[]? _wo, _bo;

    private GraphClassifier(Graph graph, int classes, NetworkParameters<float> parameters, float[]? wo, float[]? bo)
    {
        Graph = graph;
        Classes = classes;
        Parameters = parameters;
        _wo = wo;
        _bo = bo;
        InputWidth = (int)graph.Inputs.Single().Shape.Size;
        OutputWidth = (int)graph.Output.Shape.Size;
    }

    /// <summary>The network.</summary>
    public Graph Graph { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>The graph's parameters, updated in place by training.</summary>
    public NetworkParameters<float> Parameters { get; }

    /// <summary>Values per example of the input node.</summary>
    public int InputWidth { get; }

    /// <summary>Values per example of the output node.</summary>
    public int OutputWidth { get; }

    /// <summary>True when a linear readout follows the graph (its output is not already one value per class).</summary>
    public bool HasReadout => _wo is not null;

    /// <summary>Draws a classifier for <paramref name="graph"/>.</summary>
    /// <exception cref="ArgumentException">The graph has not exactly one input node, its input is a token (embedding) input, or classes &lt; 2.</exception>
    public static GraphClassifier Create(Graph graph, int classes, ulong seed, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (classes < 2) throw new ArgumentException($"classes must be >= 2, got {classes}.", nameof(classes));
        var inputs = graph.Inputs.ToList();
        if (inputs.Count != 1) throw new ArgumentException($"a classifier needs a graph with one input node, this one has {inputs.Count}.", nameof(graph));
        if (inputs[0].Op is Networks.Ops.InputOp { Vocab: > 0 })
            throw new ArgumentException($"input '{inputs[0].Name}' takes token ids; a classifier of images needs a real-valued input.", nameof(graph));
        var parameters = NetworkParameters<float>.Draw(graph, seed, threads);
        long outputs = graph.Output.Shape.Size;
        if (outputs == classes) return new GraphClassifier(graph, classes, parameters, null, null);
        if (outputs * classes > Array.MaxLength)
            throw new ArgumentException($"a readout of {classes} x {outputs} has more elements than one array can hold.", nameof(graph));
        var wo = new float[classes * outputs];
        new Generator(seed, Parameter.StreamOf("training.readout.weight")).Normal(wo, 0f, (float)(1 / Math.Sqrt(outputs)), threads);
        return new GraphClassifier(graph, classes, parameters, wo, new float[classes]);
    }

    /// <summary>Every parameter array in update order: the graph's (node order), then the readout's weight and bias.</summary>
    internal IReadOnlyList<float[]> ParameterList() =>
        [.. Parameters.Names.Select(n => Parameters[n]), .. _wo is null ? Array.Empty<float[]>() : [_wo, _bo!]];

    internal void CheckData(Dataset data)
    {
        if (data.FeatureCount != InputWidth)
            throw new ArgumentException($"the data has {data.FeatureCount} features but the graph's input {Graph.Inputs.Single().Shape} holds {InputWidth} per example.", nameof(data));
        if (data.ClassCount != Classes)
            throw new ArgumentException($"the data has {data.ClassCount} classes but the classifier has {Classes}.", nameof(data));
    }

    /// <summary>
    /// The mean softmax cross-entropy of a batch and its gradients, in the order of <see cref="ParameterList"/>. Generic so
    /// that tests can check it against finite differences in double.
    /// </summary>
    internal static (double Loss, IReadOnlyList<T[]>? Gradients, GraphPass<T> Pass) LossAndGradients<T>(Graph graph, NetworkParameters<T> parameters,
        T[]? wo, T[]? bo, int classes, T[] x, ReadOnlySpan<int> labels, ulong seed, bool trace, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = labels.Length, width = (int)graph.Output.Shape.Size;
        var pass = ExplicitGraphEngine.Forward(graph, parameters, batch, new Dictionary<string, T[]> { [graph.Inputs.Single().Name] = x }, seed, threads, trace);
        var y = pass.Output;
        var dz = new T[batch * classes];
        if (wo is null) Array.Copy(y, dz, dz.Length);
        else MlpClassifier.Readout(y, batch, width, classes, wo, bo!, dz, threads);
        double loss = SoftmaxCrossEntropy.LossAndGradient<T>(dz, labels, classes, dz);
        if (!double.IsFinite(loss)) return (loss, null, pass);
        T[] dy = dz;
        T[]? gwo = null, gbo = null;
        if (wo is not null)
        {
            // dL/dW_o = dz^T y, dL/db_o = column sums of dz, dL/dy = dz W_o.
            gwo = new T[wo.Length];
            Gemm.Core(true, false, classes, width, batch, T.One, dz, classes, y, Math.Max(1, width), T.Zero, gwo, Math.Max(1, width), threads);
            gbo = new T[classes];
            for (int r = 0; r < batch; r++)
                for (int c = 0; c < classes; c++) gbo[c] += dz[r * classes + c];
            dy = new T[batch * width];
            Gemm.Core(false, false, batch, width, classes, T.One, dz, classes, wo, Math.Max(1, width), T.Zero, dy, Math.Max(1, width), threads);
        }
        var (g, _) = pass.Backward(dy);
        // A parameter the output does not depend on gets a zero gradient.
        var gradients = parameters.Names.Select(n => g.Contains(n) ? g[n] : new T[parameters[n].Length]).ToList();
        if (gwo is not null) gradients.AddRange([gwo, gbo!]);
        return (loss, gradients, pass);
    }

    internal (double Loss, IReadOnlyList<float[]>? Gradients, GraphPass<float> Pass) LossAndGradients(float[] x, ReadOnlySpan<int> labels, ulong seed, bool trace, int threads) =>
        LossAndGradients(Graph, Parameters, _wo, _bo, Classes, x, labels, seed, trace, threads);

    /// <summary>Fraction of <paramref name="data"/> classified correctly (argmax of the logits; a non-finite logit counts as wrong).</summary>
    /// <exception cref="ArgumentException">The data does not fit the graph.</exception>
    public double Accuracy(Dataset data, int chunk = 500, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data);
        if (chunk < 1) throw new ArgumentException($"chunk must be >= 1, got {chunk}.", nameof(chunk));
        int correct = 0, d = InputWidth;
        var labels = data.Labels;
        for (int start = 0; start < data.Count; start += chunk)
        {
            int rows = Math.Min(chunk, data.Count - start);
            var x = data.Features.Slice(start * d, rows * d).ToArray();
            var pass = ExplicitGraphEngine.Forward(Graph, Parameters, rows, new Dictionary<string, float[]> { [Graph.Inputs.Single().Name] = x }, 0, threads);
            var z = new float[rows * Classes];
            if (_wo is null) Array.Copy(pass.Output, z, z.Length);
            else MlpClassifier.Readout(pass.Output, rows, OutputWidth, Classes, _wo, _bo!, z, threads);
            for (int r = 0; r < rows; r++)
                if (MlpClassifier.ArgMax(z.AsSpan(r * Classes, Classes)) == labels[start + r]) correct++;
        }
        return (double)correct / data.Count;
    }
}
