using InitLab.Initializers;
using InitLab.LinearAlgebra;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>attention</c>: multi-head scaled dot-product self-attention (Vaswani et al. 2017) over a (tokens T, dim D) input, as
/// PyTorch's <c>nn.MultiheadAttention(D, H)</c> with query = key = value: [Q K V] = x W_in^T + b_in, per head h (d = D / H)
/// P_h = softmax(Q_h K_h^T / sqrt(d)) (with a causal mask, token i sees tokens j &lt;= i), O = [P_1 V_1 ... P_H V_H],
/// y = O W_out^T + b_out. Parameters and defaults as PyTorch: in_proj_weight (3D, D) ~ xavier_uniform, in_proj_bias (3D) = 0,
/// out_proj_weight (D, D) ~ kaiming_uniform(a = sqrt 5), out_proj_bias (D) = 0.
/// </summary>
/// <remarks>
/// Batched GEMMs per (example, head), in parallel over the pairs. Backward: dO = dY W_out, dV_h = P_h^T dO_h,
/// dS_h = P_h ⊙ (dO_h V_h^T - rowsum(P_h ⊙ dO_h V_h^T)), dQ_h = dS_h K_h / sqrt(d), dK_h = dS_h^T Q_h / sqrt(d),
/// dx = d[QKV] W_in; the weight gradients are products with the saved activations.
/// </remarks>
public sealed class AttentionOp : Op
{
    /// <summary>Creates a self-attention with <paramref name="heads"/> heads.</summary>
    /// <exception cref="ArgumentException">heads &lt; 1.</exception>
    public AttentionOp(int heads, bool causal = false, bool bias = true)
    {
        if (heads < 1) throw new ArgumentException($"heads must be >= 1, got {heads}.", nameof(heads));
        Heads = heads;
        Causal = causal;
        Bias = bias;
    }

    /// <inheritdoc/>
    public override string Kind => "attention";

    /// <summary>Number of heads H (must divide D).</summary>
    public int Heads { get; }

    /// <summary>Whether token i attends only to tokens j &lt;= i.</summary>
    public bool Causal { get; }

    /// <summary>Whether the projections have biases.</summary>
    public bool Bias { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        if (inputs[0].Rank != 2) throw new ArgumentException($"needs an input (tokens, dim), got shape {inputs[0]}.");
        if (inputs[0][1] % Heads != 0)
            throw new ArgumentException($"heads {Heads} does not divide the dimension {inputs[0][1]}.");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs)
    {
        int d = inputs[0][1];
        var list = new List<ParameterSpec> { new("in_proj_weight", new Shape(3 * d, d), ParameterRole.Weight, Init.XavierUniform()) };
        if (Bias) list.Add(new("in_proj_bias", new Shape(3 * d), ParameterRole.Bias, Init.Zeros()));
        list.Add(new("out_proj_weight", new Shape(d, d), ParameterRole.Weight, Init.TorchDefault()));
        if (Bias) list.Add(new("out_proj_bias", new Shape(d), ParameterRole.Bias, Init.Zeros()));
        return list;
    }

    private sealed record Saved<T>(T[] Qkv, T[] P, T[] O);

    private int OutWeight => Bias ? 2 : 1;

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        int tokens = pass.InputShape(0)[0], d = pass.InputShape(0)[1], dh = d / Heads, rows = pass.Batch * tokens;
        var x = pass.Input(0);
        var qkv = GC.AllocateUninitializedArray<T>(rows * 3 * d);
        Gemm.Core(false, true, rows, 3 * d, d, T.One, x, d, pass.Parameter(0), d, T.Zero, qkv, 3 * d, pass.Threads);
        if (Bias) LinearOp.AddBias(qkv, pass.Parameter(1), rows, 3 * d);
        var p = GC.AllocateUninitializedArray<T>(pass.Batch * Heads * tokens * tokens);
        var o = GC.AllocateUninitializedArray<T>(rows * d);
        T scale = T.One / T.Sqrt(T.CreateTruncating(dh));
        Parallelism.For(pass.Batch * Heads, bh =>
        {
            int b = bh / Heads, h = bh % Heads;
            int baseQkv = b * tokens * 3 * d + h * dh;
            var s = p.AsSpan(bh * tokens * tokens, tokens * tokens);
            Gemm.Core(false, true, tokens, tokens, dh, scale, qkv.AsSpan(baseQkv), 3 * d, qkv.AsSpan(baseQkv + d), 3 * d, T.Zero, s, tokens, 1);
            for (int i = 0; i < tokens; i++)
            {
                var row = s.Slice(i * tokens, tokens);
                if (!Causal) SoftmaxOp.Row<T>(row, row);
                else
                {
                    SoftmaxOp.Row<T>(row[..(i + 1)], row[..(i + 1)]);
                    row[(i + 1)..].Clear();
                }
            }
            Gemm.Core(false, false, tokens, dh, tokens, T.One, s, tokens, qkv.AsSpan(baseQkv + 2 * d), 3 * d, T.Zero, o.AsSpan(b * tokens * d + h * dh), d, 1);
        }, pass.Threads);
        Gemm.Core(false, true, rows, d, d, T.One, o, d, pass.Parameter(OutWeight), d, T.Zero, pass.Output, d, pass.Threads);
        if (Bias) LinearOp.AddBias(pass.Output, pass.Parameter(OutWeight + 1), rows, d);
        if (pass.KeepState) pass.State = new Saved<T>(qkv, p, o);
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        int tokens = pass.InputShape(0)[0], d = pass.InputShape(0)[1], dh = d / Heads, rows = pass.Batch * tokens;
        var saved = (Saved<T>)pass.State!;
        var x = pass.Input(0);
        var dy = pass.OutputGradient;
        var wOut = pass.Parameter(OutWeight);
        var dO = new T[rows * d];
        Gemm.Core(false, false, rows, d, d, T.One, dy, d, wOut, d, T.Zero, dO, d, pass.Threads);
        Gemm.Core(true, false, d, d, rows, T.One, dy, d, saved.O, d, T.Zero, pass.ParameterGradient(OutWeight), d, pass.Threads);
        if (Bias) Work.ColumnSums<T>(dy, rows, d, pass.ParameterGradient(OutWeight + 1));

        var dQkv = new T[rows * 3 * d];
        T scale = T.One / T.Sqrt(T.CreateTruncating(dh));
        Parallelism.For(pass.Batch * Heads, bh =>
        {
            int b = bh / Heads, h = bh % Heads;
            int baseQkv = b * tokens * 3 * d + h * dh, baseO = b * tokens * d + h * dh;
            var p = saved.P.AsSpan(bh * tokens * tokens, tokens * tokens);
            var ds = new T[tokens * tokens];
            Gemm.Core(false, true, tokens, tokens, dh, T.One, dO.AsSpan(baseO), d, saved.Qkv.AsSpan(baseQkv + 2 * d), 3 * d, T.Zero, ds, tokens, 1);
            Gemm.Core(true, false, tokens, dh, tokens, T.One, p, tokens, dO.AsSpan(baseO), d, T.Zero, dQkv.AsSpan(baseQkv + 2 * d), 3 * d, 1);
            for (int i = 0; i < tokens; i++)
            {
                var pr = p.Slice(i * tokens, tokens);
                var dr = ds.AsSpan(i * tokens, tokens);
                T dot = T.Zero;
                for (int j = 0; j < tokens; j++) dot += pr[j] * dr[j];
                for (int j = 0; j < tokens; j++) dr[j] = pr[j] * (dr[j] - dot);
            }
            Gemm.Core(false, false, tokens, dh, tokens, scale, ds, tokens, saved.Qkv.AsSpan(baseQkv + d), 3 * d, T.Zero, dQkv.AsSpan(baseQkv), 3 * d, 1);
            Gemm.Core(true, false, tokens, dh, tokens, scale, ds, tokens, saved.Qkv.AsSpan(baseQkv), 3 * d, T.Zero, dQkv.AsSpan(baseQkv + d), 3 * d, 1);
        }, pass.Threads);
        if (pass.InputGradient(0) is { } dx)
            Gemm.Core(false, false, rows, d, 3 * d, T.One, dQkv, 3 * d, pass.Parameter(0), d, T.One, dx, d, pass.Threads);
        Gemm.Core(true, false, 3 * d, d, rows, T.One, dQkv, 3 * d, x, d, T.Zero, pass.ParameterGradient(0), d, pass.Threads);
        if (Bias) Work.ColumnSums<T>(dQkv, rows, 3 * d, pass.ParameterGradient(1));
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("heads", Heads);
        a.Set("causal", Causal);
        a.Set("bias", Bias);
    }

    internal static Op Read(OpAttributes a) => new AttentionOp(a.Integer("heads"), a.Boolean("causal", false), a.Boolean("bias", true));
}
