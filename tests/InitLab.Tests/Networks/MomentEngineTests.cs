using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Ops;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Tests.Networks;

/// <summary>
/// The moment engine on small graphs whose moments are known exactly: each expected value is derived in the test and computed
/// by code written here (Simpson's rule, closed forms), not by the engine's own rules.
/// </summary>
public class MomentEngineTests
{
    private static double Phi(double x) => Support.IndependentNormal.Cdf(x);

    /// <summary>Simpson's rule for E[f(Z)], Z ~ N(0, 1), on [-12, 12].</summary>
    private static double Gauss(Func<double, double> f)
    {
        const int n = 24000;
        double h = 24.0 / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double z = -12 + i * h, w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            sum += w * f(z) * Math.Exp(-0.5 * z * z);
        }
        return sum * h / 3 / Math.Sqrt(2 * Math.PI);
    }

    [Fact]
    public void A_tanh_mlp_follows_the_mean_field_variance_map()
    {
        // q_(l+1) = sigma_w^2 E[tanh(sqrt(q_l) z)^2] (Poole et al. 2016), xavier_normal on square layers: sigma_w^2 = 1.
        var g = ModelFamilies.Build("mlp:depth=6,width=64,act=tanh").WithScheme(Init.XavierNormal());
        var t = MomentEngine.Run(g);
        double q = 1;
        for (int l = 1; l <= 6; l++)
        {
            Assert.Equal(q, t[$"linear{l}"].MeanSquare, 1e-10 * q);
            double ql = q;
            q = Gauss(z => Math.Pow(Math.Tanh(Math.Sqrt(ql) * z), 2));
            Assert.Equal(q, t[$"act{l}"].MeanSquare, 1e-10);
            Assert.Empty(t[$"act{l}"].Assumptions);
        }
    }

    [Fact]
    public void Max_pooling_after_a_relu_is_the_relu_of_the_maximum_by_exact_integrals()
    {
        // relu is non-decreasing: max_i relu(x_i) = relu(max_i x_i), x_i i.i.d. N(0, v): E[relu(M)^r] = v^(r/2) int_0^inf z^r 4 phi(z) Phi(z)^3 dz.
        var b = new GraphBuilder();
        b.Input("x", new Shape(2, 8, 8), variance: 2.5);
        b.Add("relu", new ActivationOp(Activation.Relu), "x");
        b.Add("pool", new PoolOp(PoolKind.Max, [2]), "relu");
        var t = MomentEngine.Run(b.Build());
        double m1 = Math.Sqrt(2.5) * Gauss(z => z > 0 ? z * 4 * Math.Pow(Phi(z), 3) : 0);
        double m2 = 2.5 * Gauss(z => z > 0 ? z * z * 4 * Math.Pow(Phi(z), 3) : 0);
        Assert.Equal(m1, t["pool"].Mean, 1e-9);
        Assert.Equal(m2, t["pool"].MeanSquare, 1e-9);
        Assert.Empty(t["pool"].Assumptions);
    }

    [Fact]
    public void Average_pooling_of_independent_positions_divides_the_variance_by_the_window()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(4, 6, 6));
        b.Add("pool", new PoolOp(PoolKind.Average, [3]), "x");
        Assert.Equal(1.0 / 9, MomentEngine.Run(b.Build())["pool"].Variance, 1e-15);
    }

    [Fact]
    public void A_shortcut_and_an_element_wise_branch_of_it_add_their_exact_cross_moment()
    {
        // x ~ N(0, 1): E[(x + relu x)^2] = E[x^2] + 2 E[x relu(x)] + E[relu(x)^2] = 1 + 1 + 1/2; with a fresh branch W x the
        // cross term vanishes: E[(x + W x)^2] = 1 + gain.
        var b = new GraphBuilder();
        b.Input("x", new Shape(32));
        b.Add("relu", new ActivationOp(Activation.Relu), "x");
        b.Add("sum", new AddOp(), "x", "relu");
        b.Add("fc", new LinearOp(32, bias: false), "x");
        b.SetInit("fc", "weight", Init.Normal(0, 0.25));
        b.Add("sum2", new AddOp(), "x", "fc");
        var t = MomentEngine.Run(b.Build("sum2"));
        Assert.Equal(2.5, t["sum"].MeanSquare, 1e-12);
        Assert.Empty(t["sum"].Assumptions);
        Assert.Equal(1 + 32 * 0.0625, t["sum2"].MeanSquare, 1e-12);
        Assert.Equal(LawKind.Gaussian, t["sum2"].Law);
    }

    [Fact]
    public void Batch_norm_with_random_affine_parameters_has_their_moments()
    {
        // y = gamma xhat + beta with xhat standardized per channel: E[y] = E[beta], E[y^2] = E[gamma^2] v/(v + eps) + E[beta^2].
        var b = new GraphBuilder();
        b.Input("x", new Shape(16, 4, 4), variance: 3);
        b.Add("bn", new BatchNormOp(), "x");
        b.SetInit("bn", "weight", Init.Normal(1, 0.1));
        b.SetInit("bn", "bias", Init.Normal(0.5, 0.2));
        var t = MomentEngine.Run(b.Build(), new MomentOptions { Batch = 32 });
        // The biased batch variance of N = 32 x 16 i.i.d. values has mean 3 (N - 1)/N.
        double n = 32 * 16, v = 3 * (n - 1) / n;
        Assert.Equal(0.5, t["bn"].Mean, 1e-12);
        Assert.Equal(1.01 * v / (v + 1e-5) + 0.29, t["bn"].MeanSquare, 1e-9);
    }

    [Fact]
    public void Layer_norm_divides_each_token_by_its_own_variance()
    {
        // Features i.i.d. N(0, 2): the biased variance over n = 64 features has mean 2 (1 - 1/64); E[y^2] = v / (v + eps).
        var b = new GraphBuilder();
        b.Input("x", new Shape(8, 64), variance: 2);
        b.Add("ln", new LayerNormOp(), "x");
        double v = 2 * (1 - 1.0 / 64);
        Assert.Equal(v / (v + 1e-5), MomentEngine.Run(b.Build())["ln"].MeanSquare, 1e-12);
    }

    [Fact]
    public void Softmax_of_gaussian_logits_has_the_collision_moment_over_its_width()
    {
        // 2 logits with variance lambda: E[y_j^2] = E[p^2 + (1 - p)^2] / 2 with p = sigmoid of a N(0, 2 lambda) difference.
        var b = new GraphBuilder();
        b.Input("x", new Shape(5, 2), variance: 0.7);
        b.Add("sm", new SoftmaxOp(), "x");
        double s2 = Gauss(z =>
        {
            double p = 1 / (1 + Math.Exp(-Math.Sqrt(1.4) * z));
            return p * p + (1 - p) * (1 - p);
        });
        var t = MomentEngine.Run(b.Build());
        Assert.Equal(0.5, t["sm"].Mean, 1e-12);
        Assert.Equal(s2 / 2, t["sm"].MeanSquare, 1e-9);
    }

    [Fact]
    public void Attention_over_one_token_is_a_pair_of_projections()
    {
        // One token: the softmax weight is 1, so y = W_out W_v x: E[y^2] = (D E[W_out^2]) (D E[W_in^2]) E[x^2].
        var b = new GraphBuilder();
        b.Input("x", new Shape(1, 16), variance: 1.5);
        b.Add("attn", new AttentionOp(4), "x");
        b.SetInit("attn", "in_proj_weight", Init.Normal(0, 0.3));
        b.SetInit("attn", "out_proj_weight", Init.Normal(0, 0.2));
        Assert.Equal(16 * 0.04 * 16 * 0.09 * 1.5, MomentEngine.Run(b.Build())["attn"].MeanSquare, 1e-12);
    }

    [Fact]
    public void Kaiming_relu_networks_keep_their_second_moment_through_every_layer()
    {
        // E[relu(h)^2] = E[h^2]/2 and kaiming's 2/fan_in restores it: every linear output of the mlp has E[h^2] = 2 E[x^2] = 2.
        var t = MomentEngine.Run(ModelFamilies.Build("mlp:depth=20,width=100,act=relu").WithScheme(Init.KaimingNormal()));
        for (int l = 1; l <= 20; l++) Assert.Equal(2.0, t[$"linear{l}"].MeanSquare, 1e-12);
    }

    [Fact]
    public void The_backward_pass_of_a_kaiming_relu_mlp_keeps_the_gradient_second_moment()
    {
        // dL/dx = W^T (phi' dL/dh): E[g_x^2] = n_out E[W^2] E[phi'^2] E[g^2] = n (2/n) (1/2) E[g^2]; the top gradient has E[g^2] = 1.
        var t = MomentEngine.Run(ModelFamilies.Build("mlp:depth=5,width=64,act=relu").WithScheme(Init.KaimingNormal()),
            new MomentOptions { Backward = true, Batch = 10 });
        Assert.Equal(1.0, t["act5"].GradMeanSquare!.Value, 1e-12);
        Assert.Equal(0.5, t["linear5"].GradMeanSquare!.Value, 1e-12);
        Assert.Equal(1.0, t["act4"].GradMeanSquare!.Value, 1e-12);
        Assert.Equal(Math.Sqrt(10 * 64 * 1.0), t["input"].GradNorm!.Value, 1e-9);
    }

    private sealed class Unknown : Op
    {
        public override string Kind => "unknown_op";

        public override Shape OutputShape(IReadOnlyList<Shape> inputs) => inputs[0];

        public override void Forward<T>(ForwardPass<T> pass) => pass.Input(0).CopyTo(pass.Output, 0);

        public override void Backward<T>(BackwardPass<T> pass) { }
    }

    [Fact]
    public void An_op_without_a_moment_rule_or_an_untreatable_init_is_refused_by_name()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(4));
        b.Add("mystery", new Unknown(), "x");
        var e = Assert.Throws<ArgumentException>(() => MomentEngine.Run(b.Build()));
        Assert.Contains("node 'mystery' (unknown_op): the moments engine cannot handle this op", e.Message);

        var b2 = new GraphBuilder();
        b2.Input("x", new Shape(8));
        b2.Add("fc", new LinearOp(8), "x");
        b2.SetInit("fc", "weight", new SpectralNormalizedInitializer(Init.Normal(), 1));
        var e2 = Assert.Throws<ArgumentException>(() => MomentEngine.Run(b2.Build()));
        Assert.Contains("node 'fc'", e2.Message);
        Assert.Contains("spectral_normalized", e2.Message);
    }

    [Fact]
    public void Approximations_are_named_on_the_nodes_that_make_them_and_only_there()
    {
        // Post-activation ResNet blocks apply relu to x + bn(conv(...)), a sum whose law the engine holds as a Gauss rule; a
        // pre-activation network with batch norm applies every relu to a Gaussian.
        var pre = MomentEngine.Run(ModelFamilies.Build("resnet:blocks=2,width=16,size=4,norm=batch,preact=true,classes=0"));
        Assert.All(pre.Nodes.Where(n => n.Op == "relu"), n => Assert.Empty(n.Assumptions));
        var plain = MomentEngine.Run(ModelFamilies.Build("transformer:layers=2,dim=32,heads=4,tokens=8,ln=pre"));
        Assert.All(plain.Nodes.Where(n => n.Op is "gelu" or "linear" or "layer_norm" or "add"), n => Assert.Empty(n.Assumptions));
        Assert.Contains(plain["block1.attn"].Assumptions, a => a.Contains("1/n expansion"));
    }

    [Theory]
    [InlineData("resnet:blocks=8,width=8,size=32,norm=batch")]
    [InlineData("resnet:blocks=8,width=8,size=24,norm=none,preact=true")]
    public void Results_do_not_depend_on_the_thread_count(string model)
    {
        // ParallelSeconds = 0 sends every field of more than 32 classes to the pool after its timed probe (by default only
        // expensive ones go; 8 blocks spread the zero-padded borders' effects over the map, so the relus have many classes):
        // the per-position numbers are the same bits on one thread and on four.
        var g = ModelFamilies.Build(model);
        var one = MomentEngine.Run(g, new MomentOptions { Threads = 1, Backward = true });
        int before = Parallelism.ParallelDispatches;
        var many = MomentEngine.Run(g, new MomentOptions { Threads = 4, Backward = true, ParallelSeconds = 0 });
        Assert.True(Parallelism.ParallelDispatches > before, "no field went parallel");
        for (int i = 0; i < one.Nodes.Count; i++)
        {
            Assert.Equal(one.Nodes[i].Mean, many.Nodes[i].Mean);
            Assert.Equal(one.Nodes[i].MeanSquare, many.Nodes[i].MeanSquare);
            Assert.Equal(one.Nodes[i].Variance, many.Nodes[i].Variance);
            Assert.Equal(one.Nodes[i].Correlation, many.Nodes[i].Correlation);
            Assert.Equal(one.Nodes[i].GradNorm, many.Nodes[i].GradNorm);
        }
    }
}
