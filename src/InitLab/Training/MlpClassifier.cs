using System.Numerics;
using InitLab.Activations;
using InitLab.LinearAlgebra;
using InitLab.Propagation;
using InitLab.Random;

namespace InitLab.Training;

/// <summary>
/// The lab's MLP as a classifier: the network of a <see cref="NetworkSpec"/> (L hidden layers
/// <c>x_l = phi(x_(l-1) W_l^T + b_l)</c>, input width <c>Widths[0]</c>) followed by a linear readout
/// <c>z = x_L W_o^T + b_o</c> to the class logits, trained with softmax cross-entropy.
/// </summary>
/// <remarks>
/// Initialization follows the explicit engine (<see cref="ExplicitEngine"/>): layer l's weights come from stream 2l and
/// its biases (N(0, sigma_b^2), or zeros when sigma_b = 0) from stream 2l + 1 of the seed, and the readout is layer L + 1
/// drawn by the same distribution. So a classifier's hidden layers at step 0 are the very matrices that
/// <c>initlab propagate --engine explicit</c> measures for that seed. The forward and backward passes are the explicit
/// engine's (<see cref="ExplicitEngine.Propagate{T}"/>); this class adds only the readout and the loss.
/// </remarks>
public sealed class MlpClassifier
{
    private readonly float[][] _weights, _biases;
    private readonly int[] _widths;

    private MlpClassifier(NetworkSpec spec, int classes, float[][] weights, float[][] biases)
    {
        Spec = spec;
        Classes = classes;
        _weights = weights;
        _biases = biases;
        _widths = [.. spec.Widths, classes];
    }

    /// <summary>The hidden network (widths, activation, initial weight distribution, sigma_b).</summary>
    public NetworkSpec Spec { get; }

    /// <summary>Number of classes (readout width).</summary>
    public int Classes { get; }

    /// <summary>Number of hidden layers L (the readout is layer L + 1).</summary>
    public int Depth => Spec.Depth;

    /// <summary>Weights of layers 1..L+1 (index l - 1), each fan_out x fan_in row-major; the last is the readout.</summary>
    public IReadOnlyList<float[]> Weights => _weights;

    /// <summary>Biases of layers 1..L+1 (index l - 1).</summary>
    public IReadOnlyList<float[]> Biases => _biases;

    /// <summary>Layer widths including the readout: Widths[0] input, Widths[L + 1] = classes.</summary>
    public IReadOnlyList<int> Widths => _widths;

    /// <summary>
    /// Draws a classifier for <paramref name="spec"/> with a readout to <paramref name="classes"/> classes, filling on
    /// <paramref name="threads"/> threads (0 = all cores; the weights are the same for every value).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The spec is invalid, uses shared weights or residual connections (not trainable here), or classes &lt; 2.
    /// </exception>
    public static MlpClassifier Create(NetworkSpec spec, int classes, ulong seed, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (spec.SharedWeights) throw new ArgumentException("training needs a separate weight matrix per layer; shared weights are not supported.", nameof(spec));
        if (spec.ResidualAlpha is not null) throw new ArgumentException("training supports plain MLPs; residual connections are not supported.", nameof(spec));
        InitLab.Numerics.Guard.Threads(threads);
        if (classes < 2) throw new ArgumentException($"classes must be >= 2, got {classes}.", nameof(classes));
        if ((long)classes * spec.Widths[^1] > Array.MaxLength)
            throw new ArgumentException($"a readout of {classes} x {spec.Widths[^1]} has more elements than one array can hold.", nameof(classes));
        int depth = spec.Depth;
        var widths = spec.Widths.Append(classes).ToArray();
        var weights = new float[depth + 1][];
        var biases = new float[depth + 1][];
        for (int l = 1; l <= depth + 1; l++)
        {
            weights[l - 1] = new float[widths[l] * widths[l - 1]];
            spec.Weights.Fill(new Generator(seed, ExplicitEngine.WeightStream(l)), weights[l - 1], widths[l], widths[l - 1], threads);
            biases[l - 1] = new float[widths[l]];
            if (spec.SigmaB > 0) new Generator(seed, ExplicitEngine.BiasStream(l)).Normal(biases[l - 1], 0f, (float)spec.SigmaB, threads);
        }
        return new MlpClassifier(spec, classes, weights, biases);
    }

    /// <summary>
    /// Estimates peak memory and work of training a classifier (input width, L hidden layers of one width, a readout to
    /// the classes) for <paramref name="steps"/> steps of <paramref name="batch"/>, then testing it on
    /// <paramref name="testCount"/> examples, before anything is allocated. Memory parts: "width" and "depth" (parameters,
    /// gradients and two optimizer buffers, 4 floats each, blamed on the larger factor), "batch" (every layer's input and
    /// pre-activation kept for the backward pass) and "data" (the float features of both sets). Work: 6 flops per
    /// multiply-add per example in training (forward, two backward products), 2 in testing.
    /// </summary>
    public static ResourceEstimate EstimateTraining(int inputWidth, int width, int depth, int classes, int batch, long steps, long trainCount, long testCount)
    {
        const double f = sizeof(float);
        double w = width, d = depth;
        double weights = w * inputWidth + (d - 1) * w * w + w * classes + d * w + classes;
        double kept = 2 * batch * (d * w + inputWidth + classes);
        return new ResourceEstimate(
            [(d * w >= w * w ? "depth" : "width", 4 * weights * f), ("batch", kept * f), ("data", (double)(trainCount + testCount) * inputWidth * f)],
            (6.0 * batch * steps + 2.0 * testCount) * weights);
    }

    /// <summary>Every parameter array in update order: W_1, b_1, ..., W_(L+1), b_(L+1).</summary>
    internal IReadOnlyList<float[]> Parameters()
    {
        var list = new List<float[]>(2 * _weights.Length);
        for (int l = 0; l < _weights.Length; l++)
        {
            list.Add(_weights[l]);
            list.Add(_biases[l]);
        }
        return list;
    }

    /// <summary>Predicted classes (argmax of the logits; -1 for an example whose forward pass is not finite).</summary>
    /// <param name="features">Count x Widths[0] inputs, row-major.</param>
    /// <param name="count">Number of examples.</param>
    /// <param name="chunk">Examples per forward pass (bounds the memory).</param>
    /// <param name="threads">Threads for the matrix products (0 = all cores; the predictions are the same for every value).</param>
    public int[] Predict(ReadOnlySpan<float> features, int count, int chunk = 1000, int threads = 0)
    {
        int d = Spec.Widths[0];
        if (features.Length != (long)count * d)
            throw new ArgumentException($"features holds {features.Length} values, expected {count} x {d}.", nameof(features));
        if (chunk < 1) throw new ArgumentException($"chunk must be >= 1, got {chunk}.", nameof(chunk));
        InitLab.Numerics.Guard.Threads(threads);
        var predictions = new int[count];
        for (int start = 0; start < count; start += chunk)
        {
            int rows = Math.Min(chunk, count - start);
            var x = features.Slice(start * d, rows * d).ToArray();
            var logits = Logits(x, rows, threads);
            for (int r = 0; r < rows; r++)
                predictions[start + r] = logits is null ? -1 : ArgMax(logits.AsSpan(r * Classes, Classes));
        }
        return predictions;
    }

    /// <summary>Fraction of <paramref name="data"/> classified correctly.</summary>
    /// <exception cref="ArgumentException">The data has a different number of features or classes.</exception>
    public double Accuracy(Dataset data, int chunk = 1000, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data);
        var predictions = Predict(data.Features, data.Count, chunk, threads);
        var labels = data.Labels;
        int correct = 0;
        for (int i = 0; i < predictions.Length; i++)
            if (predictions[i] == labels[i]) correct++;
        return (double)correct / data.Count;
    }

    internal void CheckData(Dataset data)
    {
        if (data.FeatureCount != Spec.Widths[0])
            throw new ArgumentException($"the data has {data.FeatureCount} features but the network's input width is {Spec.Widths[0]}.", nameof(data));
        if (data.ClassCount != Classes)
            throw new ArgumentException($"the data has {data.ClassCount} classes but the classifier has {Classes}.", nameof(data));
    }

    /// <summary>The logits of a batch (B x classes), or null when the hidden layers overflow.</summary>
    private float[]? Logits(float[] x, int batch, int threads)
    {
        var hidden = ExplicitEngine.Propagate<float>(Spec.Widths, batch, Spec.Activation, null, x, l => _weights[l - 1], l => _biases[l - 1], null, threads: threads);
        if (hidden.FirstNonFinite is not null) return null;
        var logits = new float[batch * Classes];
        Readout(hidden.Output!, batch, Spec.Widths[^1], Classes, _weights[^1], _biases[^1], logits, threads);
        return logits;
    }

    internal static int ArgMax(ReadOnlySpan<float> z)
    {
        int best = 0;
        for (int c = 0; c < z.Length; c++)
        {
            if (!float.IsFinite(z[c])) return -1;
            if (z[c] > z[best]) best = c;
        }
        return best;
    }

    /// <summary>z = x W_o^T + b_o.</summary>
    internal static void Readout<T>(T[] x, int batch, int width, int classes, T[] w, T[] b, T[] z, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Gemm.Core(false, true, batch, classes, width, T.One, x, Math.Max(1, width), w, Math.Max(1, width), T.Zero, z, classes, threads);
        for (int r = 0; r < batch; r++)
            for (int c = 0; c < classes; c++) z[r * classes + c] += b[c];
    }

    /// <summary>
    /// The mean softmax cross-entropy of a batch and its gradient with respect to every weight and bias (written into
    /// <paramref name="weightGradients"/> and <paramref name="biasGradients"/>, layer l at index l - 1, the readout last).
    /// The hidden layers run through the explicit engine's forward and backward pass; the readout and the loss supply its
    /// top gradient dL/dx_L = dL/dz W_o. Generic so that tests can check it against finite differences in double.
    /// </summary>
    /// <returns>The loss (NaN or infinite when the forward pass overflowed) and the engine's result (per-layer statistics and gradient norms).</returns>
    internal static (double Loss, ExplicitEngine.Result<T> Hidden) LossAndGradients<T>(IReadOnlyList<int> widths, Activation activation,
        IReadOnlyList<T[]> weights, IReadOnlyList<T[]> biases, T[] x, ReadOnlySpan<int> labels,
        IReadOnlyList<T[]> weightGradients, IReadOnlyList<T[]> biasGradients, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int depth = widths.Count - 2, batch = labels.Length, classes = widths[^1], width = widths[^2];
        var hiddenWidths = widths.Take(depth + 1).ToArray();
        double loss = double.NaN;
        var y = labels.ToArray();
        var wo = weights[depth];
        T[] TopGradient(T[] xL)
        {
            var dz = new T[batch * classes];
            Readout(xL, batch, width, classes, wo, biases[depth], dz, threads);
            loss = SoftmaxCrossEntropy.LossAndGradient<T>(dz, y, classes, dz);
            // dL/dW_o = dz^T x_L, dL/db_o = column sums of dz, dL/dx_L = dz W_o.
            Gemm.Core(true, false, classes, width, batch, T.One, dz, classes, xL, Math.Max(1, width), T.Zero, weightGradients[depth], Math.Max(1, width), threads);
            var gb = biasGradients[depth];
            Array.Clear(gb);
            for (int r = 0; r < batch; r++)
                for (int c = 0; c < classes; c++) gb[c] += dz[r * classes + c];
            var dx = new T[batch * width];
            Gemm.Core(false, false, batch, width, classes, T.One, dz, classes, wo, Math.Max(1, width), T.Zero, dx, Math.Max(1, width), threads);
            return dx;
        }
        var result = ExplicitEngine.Propagate(hiddenWidths, batch, activation, null, x, l => weights[l - 1], l => biases[l - 1], null,
            threads: threads, topGradient: TopGradient, into: new ExplicitEngine.GradientBuffers<T>(weightGradients, biasGradients));
        if (result.FirstNonFinite is not null) loss = double.NaN;
        return (loss, result);
    }
}
