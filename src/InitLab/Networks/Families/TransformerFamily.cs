using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Networks.Families;

/// <summary>
/// <c>transformer:layers=L,dim=D,heads=H,tokens=T,ln=pre|post|none,causal=true|false</c>: a stack of L encoder blocks on T tokens
/// of dimension D (Vaswani et al. 2017), each multi-head self-attention then a two-layer MLP (D -&gt; mlp_ratio D -&gt; D, gelu),
/// each with a residual connection.
/// </summary>
/// <remarks>
/// <para>ln=post (Vaswani et al. 2017): x = LN(x + attn(x)); x = LN(x + mlp(x)).</para>
/// <para>ln=pre (Xiong et al. 2020, "On layer normalization in the transformer architecture"; GPT-2): x = x + attn(LN(x));
/// x = x + mlp(LN(x)); a final <c>ln_f</c> after the last block.</para>
/// <para>ln=none: x = x + attn(x); x = x + mlp(x).</para>
/// <para>alpha scales every residual shortcut: x = LN(alpha x + attn(x)) with ln=post is DeepNorm's residual (Wang et al. 2022).</para>
/// <para>The input is a (T, D) batch of Gaussian embeddings (vocab = 0) or T token ids into an <c>embed</c> table (vocab &gt; 0).
/// Block l's nodes are <c>block{l}.ln1</c>, <c>.attn</c>, <c>.add1</c>, <c>.ln2</c>, <c>.fc1</c>, <c>.act</c>, <c>.fc2</c>,
/// <c>.add2</c> (post-LN: <c>.add1</c>, <c>.ln1</c>, ...); parameters keep PyTorch's defaults.</para>
/// </remarks>
public static class TransformerFamily
{
    /// <summary>The family.</summary>
    public static ModelFamily Family { get; } = new("transformer",
        "encoder blocks of multi-head self-attention and a gelu MLP with residual connections; pre-, post- or no layer norm",
        "Vaswani et al. 2017, Attention is all you need; Xiong et al. 2020, On layer normalization in the transformer architecture",
        [
            new("layers", "6", "number of blocks L (>= 1)"),
            new("dim", "256", "model dimension D"),
            new("heads", "4", "attention heads H (must divide D)"),
            new("tokens", "64", "sequence length T"),
            new("ln", "pre", "layer norm placement: pre, post or none"),
            new("causal", "false", "causal attention mask (true|false)"),
            new("mlp_ratio", "4", "hidden width of the MLP in multiples of D"),
            new("act", "gelu", "activation of the MLP: " + string.Join(", ", Activations.ActivationRegistry.Names)),
            new("param", "none", "the activation's parameter (leaky_relu slope, elu alpha)"),
            new("vocab", "0", "0: Gaussian (T, D) embeddings as input; V > 0: token ids into an embedding table of V rows"),
            new("alpha", "1", "scale of the residual shortcut: alpha x + f(x) (DeepNorm's alpha with ln=post: LN(alpha x + f(x)))"),
        ],
        Build);

    private static Graph Build(ModelArguments a)
    {
        int layers = a.Integer("layers"), dim = a.Integer("dim"), heads = a.Integer("heads"), tokens = a.Integer("tokens");
        int ratio = a.Integer("mlp_ratio"), vocab = a.Integer("vocab", min: 0, max: 1 << 24);
        string ln = a.Choice("ln", "pre", "post", "none");
        bool causal = a.Boolean("causal");
        double alpha = a.Number("alpha", 0);
        var act = a.Activation();
        if (dim % heads != 0)
            throw new ArgumentException($"model 'transformer': key 'heads' must divide dim = {dim}, got '{heads}'.", "heads");
        var b = new GraphBuilder(a.ToString());
        string x = vocab > 0
            ? b.Add("embed", new EmbeddingOp(vocab, dim), b.Add("input", new InputOp(new Shape(tokens), vocab: vocab)))
            : b.Input("input", new Shape(tokens, dim));
        for (int l = 1; l <= layers; l++)
        {
            string p = $"block{l}";
            b.CurrentBlock = p;
            x = Residual(b, p, 1, x, ln, alpha, h => b.Add($"{p}.attn", new AttentionOp(heads, causal), h));
            x = Residual(b, p, 2, x, ln, alpha, h =>
            {
                h = b.Add($"{p}.fc1", new LinearOp(ratio * dim), h);
                h = b.Add($"{p}.act", new ActivationOp(act), h);
                return b.Add($"{p}.fc2", new LinearOp(dim), h);
            });
        }
        b.CurrentBlock = null;
        if (ln == "pre") b.Add("ln_f", new LayerNormOp(), x);
        return b.Build();
    }

    /// <summary>One sublayer with its residual connection and layer norm placement.</summary>
    private static string Residual(GraphBuilder b, string p, int i, string x, string ln, double alpha, Func<string, string> branch)
    {
        var add = alpha == 1 ? new AddOp() : new AddOp([alpha, 1]);
        return ln switch
        {
            "pre" => b.Add($"{p}.add{i}", add, x, branch(b.Add($"{p}.ln{i}", new LayerNormOp(), x))),
            "post" => b.Add($"{p}.ln{i}", new LayerNormOp(), b.Add($"{p}.add{i}", add, x, branch(x))),
            _ => b.Add($"{p}.add{i}", add, x, branch(x)),
        };
    }
}
