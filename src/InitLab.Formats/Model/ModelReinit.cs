using InitLab.Initializers;
using InitLab.Random;
using InitLab.Inspection;

namespace InitLab.Formats;

/// <summary>
/// Re-initializes a model's tensors by role, as a fresh model of the same architecture would start: weights and
/// embeddings drawn by a scheme with fans from their layout, biases 0 (or by a bias rule), norm scales 1 and shifts 0, running means 0
/// and running variances 1 (a fresh PyTorch BatchNorm's buffers). Tensors of other or unknown roles are kept.
/// Tensor k (in model order) draws from <c>new Generator(seed).Fork(k)</c>, so the result depends only on the seed,
/// the scheme and the model, not on the thread count.
/// </summary>
public static class ModelReinit
{
    /// <summary>What happened to one tensor.</summary>
    /// <param name="Name">The tensor.</param>
    /// <param name="Role">The role it was treated as.</param>
    /// <param name="Action">"scheme", "bias_rule", "zeros", "ones" or "kept".</param>
    public sealed record Change(string Name, ParameterRole? Role, string Action);

    /// <summary>
    /// The re-initialized model (same format, path, graph and order; replaced tensors are float32, or float64 where the
    /// original was float64) and what was done to each tensor.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="scheme">The initializer for weights and embeddings, made with the PyTorch layout (the default); fans come from each tensor's layout
    /// (<see cref="TensorLayout.InOut"/>: Keras (k.., in, out); otherwise PyTorch (out, in, k..)).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="roleOf">The role of each tensor; null uses <see cref="ModelTensor.Role"/> (the format's own hints).</param>
    /// <param name="biasScheme">The initializer of each bias (e.g. PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from
    /// <see cref="BiasRule"/>, drawn from the bias's own stream); null, or null for a tensor, means zeros.</param>
    /// <exception cref="ArgumentException">The scheme does not suit a weight's shape (the message names the tensor).</exception>
    /// <param name="layoutOf">The layout of each tensor; null uses <see cref="ModelTensor.Layout"/>.</param>
    public static (ModelFile Model, IReadOnlyList<Change> Changes) Apply(ModelFile model, Initializer scheme, ulong seed, Func<ModelTensor, ParameterRole?>? roleOf = null,
        Func<ModelTensor, Initializer?>? biasScheme = null, Func<ModelTensor, TensorLayout>? layoutOf = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scheme);
        var root = new Generator(seed);
        var replaced = new List<ModelTensor>();
        var changes = new List<Change>();
        for (int k = 0; k < model.Tensors.Count; k++)
        {
            var t = model.Tensors[k];
            var role = roleOf is null ? t.Role : roleOf(t);
            if (!DTypes.IsFloatingPoint(t.DType) || t.ElementCount == 0)
            {
                changes.Add(new(t.Name, role, "kept"));
                continue;
            }
            var biasInit = role == ParameterRole.Bias ? biasScheme?.Invoke(t) : null;
            (string Action, double? Constant) plan = role switch
            {
                ParameterRole.Weight or ParameterRole.Embedding when t.Shape.Count >= 2 => ("scheme", null),
                ParameterRole.Bias when biasInit is not null => ("bias_rule", null),
                ParameterRole.Bias or ParameterRole.NormShift or ParameterRole.RunningMean => ("zeros", 0),
                ParameterRole.NormScale or ParameterRole.RunningVariance => ("ones", 1),
                _ => ("kept", null),
            };
            changes.Add(new(t.Name, role, plan.Action));
            if (plan.Action == "kept") continue;
            var shape = t.ToShape();
            if (t.DType == DTypes.Float64)
            {
                var data = new double[t.ElementCount];
                if (plan.Constant is double c) Array.Fill(data, c);
                else Fill(biasInit ?? scheme, data, t, layoutOf?.Invoke(t) ?? t.Layout, shape, root.Fork((ulong)k));
                replaced.Add(t.WithData(data));
            }
            else
            {
                var data = new float[t.ElementCount];
                if (plan.Constant is double c) Array.Fill(data, (float)c);
                else Fill(biasInit ?? scheme, data, t, layoutOf?.Invoke(t) ?? t.Layout, shape, root.Fork((ulong)k));
                replaced.Add(t.WithData(data));
            }
        }
        return (model.WithTensors(replaced), changes);
    }

    private static void Fill<T>(Initializer scheme, T[] data, ModelTensor t, TensorLayout layout, InitLab.Tensors.Shape shape, Generator generator)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // The layout is a property of the scheme instance in the core library; a Keras-layout tensor gets the scheme
        // with its fans read from (k.., in, out). Both layouts give the same fans for the (rank >= 2) transposes.
        var layoutShape = layout == TensorLayout.InOut && shape.Rank >= 2 ? KerasAsTorch(shape) : shape;
        try
        {
            if (ReferenceEquals(layoutShape, shape))
            {
                scheme.Fill<T>(data, shape, generator, threads: 1);
                return;
            }
            // Draw in the torch layout (out, in, k..) and store in the tensor's (k.., in, out) order.
            var drawn = new T[data.Length];
            scheme.Fill<T>(drawn, layoutShape, generator, threads: 1);
            TorchToKeras(drawn, data, shape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"scheme '{scheme.Name}' cannot initialize tensor '{t.Name}' of shape {shape}: {e.Message}", nameof(scheme), e);
        }
    }

    // (k1.., in, out) -> (out, in, k1..).
    private static InitLab.Tensors.Shape KerasAsTorch(InitLab.Tensors.Shape s)
    {
        int r = s.Rank;
        var dims = new int[r];
        dims[0] = s[r - 1];
        dims[1] = s[r - 2];
        for (int i = 0; i < r - 2; i++) dims[2 + i] = s[i];
        return new InitLab.Tensors.Shape(dims);
    }

    // torch[o, i, k] (row-major over (out, in, k..)) -> keras[k, i, o] (row-major over (k.., in, out)).
    private static void TorchToKeras<T>(T[] torch, T[] keras, InitLab.Tensors.Shape kerasShape)
    {
        int r = kerasShape.Rank;
        int outs = kerasShape[r - 1], ins = kerasShape[r - 2];
        long rf = kerasShape.Size / ((long)outs * ins);
        for (long k = 0; k < rf; k++)
            for (int i = 0; i < ins; i++)
                for (int o = 0; o < outs; o++)
                    keras[(k * ins + i) * outs + o] = torch[((long)o * ins + i) * rf + k];
    }
}
