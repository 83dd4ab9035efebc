using InitLab.Initializers;
using InitLab.LinearAlgebra;
using InitLab.Tensors;
using InitLab.Theory;

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
public sealed class AttentionOp : Op, IMomentRule
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
        // Without a backward pass nothing outlives the call: Q K V and O come from the shared pool and each (example, head)
        // task keeps only its own T x T scores, not all of them.
        bool keep = pass.KeepState;
        var pool = System.Buffers.ArrayPool<T>.Shared;
        var qkv = keep ? GC.AllocateUninitializedArray<T>(rows * 3 * d) : pool.Rent(rows * 3 * d);
        var o = keep ? GC.AllocateUninitializedArray<T>(rows * d) : pool.Rent(rows * d);
        var p = keep ? GC.AllocateUninitializedArray<T>(pass.Batch * Heads * tokens * tokens) : null;
        try
        {
            LinearOp.Project(rows, 3 * d, d, x, pass.Parameter(0), Bias ? pass.Parameter(1) : null, qkv, pass.Threads);
            T scale = T.One / T.Sqrt(T.CreateTruncating(dh));
            Parallelism.For(pass.Batch * Heads, bh =>
            {
                int b = bh / Heads, h = bh % Heads;
                int baseQkv = b * tokens * 3 * d + h * dh;
                var scratch = p is null ? pool.Rent(tokens * tokens) : null;
                try
                {
                    var s = p is null ? scratch.AsSpan(0, tokens * tokens) : p.AsSpan(bh * tokens * tokens, tokens * tokens);
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
                }
                finally
                {
                    if (scratch is not null) pool.Return(scratch);
                }
            }, pass.Threads);
            LinearOp.Project(rows, d, d, o, pass.Parameter(OutWeight), Bias ? pass.Parameter(OutWeight + 1) : null, pass.Output, pass.Threads);
            if (keep) pass.State = new Saved<T>(qkv, p!, o);
        }
        finally
        {
            if (!keep)
            {
                pool.Return(qkv);
                pool.Return(o);
            }
        }
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

    // ---- moment rule ----

    /// <summary>
    /// Moments (infinite width D, head dimension d = D/H fixed). The projections Q, K, V = x W^T + b are fresh Gaussians with
    /// E[P^2] = D E[W^2] E[x^2] + E[b^2] and, between two tokens, covariance C_P = D E[W^2] (m m' + A A' + R_w) + Var(b). Split each key
    /// into a part shared by the tokens (cancelled by the softmax) and an independent part of variance tau_K^2 = Var(K) - C_K: given the
    /// query, a row's logits q . k_j / sqrt(d) are i.i.d. N(0, lambda r) with lambda = E[Q^2] tau_K^2 and r = |q|^2 / (d E[Q^2]) ~
    /// chi^2_d / d. So E[O^2] = E[shared V^2] + tau_V^2 E[sum_j p_j^2], by quadrature over the logit law (<see cref="SoftmaxMoments"/>)
    /// for the n visible keys of each row (n = i + 1 under the causal mask), and y = O W_out^T + b_out is a fresh projection.
    /// The values' offsets pass unchanged (the weights of a row sum to 1); two examples' remainders are covariant by R_x + (R_b - R_x)/n
    /// (independent rows); two tokens' by R_w + tau_V^2 E[p_i . p_i'], by a 1/n expansion (an approximation).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context) => AttentionMoments(context).State;

    private sealed record AttentionPass(MomentState State, MomentState O, double[] SecondQ, double TauK, double TauV, SoftmaxCollision[] Rows, int[] Visible);

    private AttentionPass AttentionMoments(MomentContext context) => context.Memo("attention", () => ComputeAttentionMoments(context));

    private AttentionPass ComputeAttentionMoments(MomentContext context)
    {
        var x = context.Input(0, -1);
        int tokens = x.Positions, d = x.Units / Heads;
        var win = context.Law("in_proj_weight");
        var bin = Bias ? context.Law("in_proj_bias") : null;
        var wout = context.Law("out_proj_weight");
        var bout = Bias ? context.Law("out_proj_bias") : null;
        if (win.Note is { } note) context.Assume(note);
        // The query, key and value projections are the three row blocks of in_proj_weight, each with its own gain (T-Fixup and
        // DeepNorm scale W_v but not W_q, W_k).
        double gq = win.BlockGain(0, 3), gk = win.BlockGain(1, 3), gv = win.BlockGain(2, 3);
        double mb = bin?.Mean ?? 0, sb = bin?.Second ?? 0, vb = bin?.Variance ?? 0;
        if (mb != 0) context.Assume("attention: in_proj_bias has a non-zero mean: the query norm is taken as central chi-square");
        var q = Projection(x, gq, sb, mb, vb);
        var k = Projection(x, gk, sb, mb, vb);
        var v = Projection(x, gv, sb, mb, vb);
        var second = q.Second;
        var visible = Enumerable.Range(0, tokens).Select(i => Causal ? i + 1 : tokens).ToArray();
        var rows = new SoftmaxCollision[tokens];
        var tauRow = new double[tokens];
        var tauVRow = new double[tokens];
        bool mixed = false;
        for (int i = 0; i < tokens; i++)
        {
            double tauBar = 0, tauVBar = 0;
            for (int j = 0; j < visible[i]; j++)
            {
                tauBar += k.Tau[j] / visible[i];
                tauVBar += v.Tau[j] / visible[i];
            }
            for (int j = 0; j < visible[i]; j++) mixed |= Math.Abs(k.Tau[j] - tauBar) > 1e-9 * (tauBar + 1e-300);
            tauRow[i] = tauBar;
            tauVRow[i] = tauVBar;
            rows[i] = SoftmaxMoments.OfDotProducts(visible[i], second[i] * tauBar, d);
            if (visible[i] > 1 && SoftmaxMoments.ReachesOneHot(second[i] * tauBar, d))
                context.Assume($"attention: logit variance above {SoftmaxMoments.NearlyOneHot}: the nearly one-hot limit, to first order in 1/sqrt(variance)");
        }
        if (mixed) context.Assume("attention: keys and values of different variance in a row are taken at their average");
        // O per head dimension: the values' shared part plus the softmax-weighted independent parts.
        var secondO = new double[tokens];
        for (int i = 0; i < tokens; i++) secondO[i] = mb * mb + v.Shared + tauVRow[i] * rows[i].S2;
        double resO = gv * x.ResidualPosition;
        if (tokens > 1)
        {
            // E[p_i . p_k] averaged over pairs of rows (a strided subset of pairs beyond 256 tokens).
            int stride = Math.Max(1, tokens / 256);
            double sum = 0;
            long count = 0;
            // Rows that all see the same keys with the same moments give one value for every pair.
            bool uniformRows = !Causal && second.All(s2 => s2 == second[0]) && tauRow.All(t => t == tauRow[0]);
            int rowsToPair = uniformRows ? 1 : tokens;
            for (int i = 0; i < rowsToPair; i += stride)
                for (int j = 0; j < tokens; j += stride)
                {
                    if (i == j) continue;
                    if (uniformRows && j > 1) break;
                    // Under the causal mask the rows share the shorter row's keys: E[p_i . p_k] ~ e^kappa / max(n_i, n_k).
                    int n = Math.Max(visible[i], visible[j]);
                    int shorter = visible[i] <= visible[j] ? i : j;
                    double li = second[i] * tauRow[i], lk = second[j] * tauRow[j];
                    // Two rows' logits for one key share the key's own part (tau_K^2) times the queries' shared part.
                    double kappa = (mb * mb + q.Shared) * tauRow[shorter];
                    sum += tauVRow[shorter] * SoftmaxMoments.CrossRows(n, li, lk, kappa, rows[i].S2, rows[j].S2);
                    count++;
                }
            resO += sum / count;
            context.Assume("attention: the covariance between tokens by a 1/n expansion of E[p_i . p_i'] (the variance is exact)");
        }
        // Two examples: sum_jl E[P_aij P_bkl] Cov(V_aj, V_bl) with independent rows, E[P_aij P_bkj] = 1/n^2: R_x + (R_b - R_x) / n.
        double nBar = visible.Average();
        double resOExample = gv * x.ResidualCross + gv * (x.ResidualExample - x.ResidualCross) / nBar;
        var o = new MomentState(x.Shape, x.FeatureAxis, Fields.Constant(tokens, mb), secondO, v.Offset, resOExample, resO, resOExample,
            MomentLaw.Other("attention-weighted values"));
        var outSecond = secondO.Select(s2 => wout.Gain * s2).ToArray();
        var sharedOut = v.Offset.Select(a => wout.Gain * (mb * mb + a * a)).ToArray();
        var state = MomentRules.Project(context, o, wout, bout, x.FeatureAxis, outSecond, Fields.Constant(tokens, x.Units * mb),
            Fields.Constant(tokens, x.Units * mb * mb), Fields.Constant(tokens, wout.Gain), sharedOut);
        return new AttentionPass(state, o, second, tauRow.Average(), tauVRow.Average(), rows, visible);
    }

    /// <summary>One projection P = x W^T + b, per token, for a weight whose E[W^2] summed over the inputs is gain.</summary>
    /// <param name="Second">E[P^2] = gain E[x^2] + E[b^2].</param>
    /// <param name="Offset">The part every token and example of a unit shares: sqrt(gain (m^2 + A^2) + Var b).</param>
    /// <param name="Shared">The covariance of two tokens (offsets and remainders): mean over pairs A A' + gain R_w.</param>
    /// <param name="Tau">The part no other token shares: Var(P) - Shared.</param>
    private sealed record ProjectionMoments(double[] Second, double[] Offset, double Shared, double[] Tau);

    private static ProjectionMoments Projection(MomentState x, double gain, double sb, double mb, double vb)
    {
        int tokens = x.Positions;
        var second = new double[tokens];
        var offset = new double[tokens];
        for (int t = 0; t < tokens; t++)
        {
            second[t] = gain * x.Second[t] + sb;
            offset[t] = Math.Sqrt(gain * (x.Mean[t] * x.Mean[t] + x.Offset[t] * x.Offset[t]) + vb);
        }
        double shared = MomentState.Pairs(offset) + gain * x.ResidualPosition;
        return new ProjectionMoments(second, offset, shared, second.Select(s2 => Math.Max(0, s2 - mb * mb - shared)).ToArray());
    }

    /// <summary>
    /// Backward (gradient independence; the gradients of different tokens taken as uncorrelated): dO = dY W_out;
    /// E[dV_j^2] = sum_i E[P_ij^2] E[dO_i^2]; E[sum_j dS_ij^2] = d E[dO_i^2] tau_V^2 (E sum p^2 - 2 E sum p^3 + E (sum p^2)^2);
    /// E[dQ^2] = that tau_K^2 / d per dimension; E[dK_j^2] = sum_i (that / n_i) E[Q_i^2] / d; dx = dQ W_q + dK W_k + dV W_v.
    /// </summary>
    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var r = AttentionMoments(context);
        var x = context.Input(0, -1);
        int tokens = x.Positions, dim = x.Units;
        var win = context.Law("in_proj_weight");
        var wout = context.Law("out_proj_weight");
        var gy = gradients.Output;
        var gO = gy.Select(v => v * wout.Gain).ToArray();
        var gQ = new double[tokens];
        var gK = new double[tokens];
        var gV = new double[tokens];
        for (int i = 0; i < tokens; i++)
        {
            var c = r.Rows[i];
            int n = r.Visible[i];
            double dsRow = gO[i] * r.TauV * Math.Max(0, c.S2 - 2 * c.S3 + c.S22); // E[sum_j dS_ij^2] / d
            gQ[i] = dsRow * r.TauK;
            for (int j = 0; j < n; j++)
            {
                gV[j] += c.S2 / n * gO[i];
                gK[j] += dsRow / n * r.SecondQ[i];
            }
        }
        var gx = new double[tokens];
        double gq = win.BlockGain(0, 3), gk = win.BlockGain(1, 3), gv = win.BlockGain(2, 3);
        for (int t = 0; t < tokens; t++) gx[t] = gq * gQ[t] + gk * gK[t] + gv * gV[t];
        gradients.Add(0, gx, -1);
        context.Assume("attention backward: gradient independence, the gradients of different tokens taken as uncorrelated");
        double b = context.Batch, inSq = 0, inBias = 0, outSq = 0, outBias = 0;
        for (int t = 0; t < tokens; t++)
        {
            double gp = gQ[t] + gK[t] + gV[t];
            inSq += gp * x.Second[t];
            inBias += gp;
            outSq += gy[t] * r.O.Second[t];
            outBias += gy[t];
        }
        gradients.AddParameter(b * dim * dim * inSq);
        gradients.AddParameter(b * dim * dim * outSq);
        if (Bias) gradients.AddParameter(b * dim * (inBias + outBias));
    }

    bool IMomentRule.IsFresh(MomentContext context) => context.Law("in_proj_weight").Fresh && context.Law("out_proj_weight").Fresh;
}
