using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Random;

public class TorchGeneratorTests
{
    [Fact]
    public void Mt19937_gives_the_reference_outputs_for_seed_5489()
    {
        // Matsumoto and Nishimura's mt19937ar: init_genrand(5489) starts 3499211612, 581869302, ...; the 10000th output of
        // std::mt19937 (C++11 [rand.predef]) is 4123659995.
        var g = new TorchGenerator(5489);
        Assert.Equal(3499211612u, g.NextUInt32());
        Assert.Equal(581869302u, g.NextUInt32());
        for (int i = 3; i < 10000; i++) g.NextUInt32();
        Assert.Equal(4123659995u, g.NextUInt32());
    }

    [Fact]
    public void A_64_bit_draw_is_two_32_bit_draws_with_the_first_in_the_high_half()
    {
        var a = new TorchGenerator(42);
        var b = a.Clone();
        ulong hi = b.NextUInt32(), lo = b.NextUInt32();
        Assert.Equal(hi << 32 | lo, a.NextUInt64());
    }

    [Fact]
    public void Only_the_low_32_bits_of_the_seed_reach_the_engine_but_the_seed_is_kept_whole()
    {
        var wide = new TorchGenerator((1UL << 32) + 5);
        var narrow = new TorchGenerator(5);
        Assert.Equal(narrow.NextUInt32(), wide.NextUInt32());
        Assert.Equal((1UL << 32) + 5, wide.InitialSeed);
    }

    [Fact]
    public void A_negative_Python_seed_wraps_to_2_to_the_64_plus_the_seed()
    {
        Assert.Equal(ulong.MaxValue - 2, TorchGenerator.FromSeed(-3).InitialSeed);
        Assert.Equal(new TorchGenerator(ulong.MaxValue - 2).NextUInt32(), TorchGenerator.FromSeed(-3).NextUInt32());
    }

    [Fact]
    public void The_second_normal_of_a_small_draw_is_cached_and_manual_seed_drops_it()
    {
        var g = new TorchGenerator(3);
        var one = new double[1];
        g.Normal(one);
        var fresh = g.Clone();
        var next = new double[1];
        g.Normal(next);                       // the cached r sin(theta): consumes no draw
        Assert.Equal(fresh.NextUInt32(), g.NextUInt32());

        g.ManualSeed(3);
        var again = new double[1];
        g.Normal(again);
        Assert.Equal(one[0], again[0]);
    }

    [Fact]
    public void A_clone_continues_the_same_stream_independently()
    {
        var g = new TorchGenerator(9);
        g.Normal(new float[3]);
        var c = g.Clone();
        var x = new float[40];
        var y = new float[40];
        g.Normal(x);
        c.Normal(y);
        Assert.Equal(x, y);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    public void A_large_normal_fill_draws_its_size_plus_the_redrawn_tail_in_uniforms(int n)
    {
        var g = new TorchGenerator(1);
        var probe = g.Clone();
        g.Normal(new float[n]);
        int draws = n + (n % 16 == 0 ? 0 : 16);
        for (int i = 0; i < draws; i++) probe.NextUInt32();
        Assert.Equal(probe.NextUInt32(), g.NextUInt32());
    }

    [Fact]
    public void Uniform_stays_inside_the_range_and_its_ends_round_to_the_tensor_type()
    {
        var g = new TorchGenerator(0);
        var x = new float[10000];
        g.Uniform(x, -0.1, 0.3);
        Assert.All(x, v => Assert.InRange(v, -0.1f, 0.3f));
        var d = new double[10000];
        g.Uniform(d, 2, 2);                   // from == to is allowed, as in PyTorch
        Assert.All(d, v => Assert.Equal(2.0, v));
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(double.NaN, 1.0)]
    [InlineData(0.0, double.PositiveInfinity)]
    [InlineData(-1e39, 0.0)]
    public void Uniform_rejects_a_bad_range(double from, double to)
    {
        var g = new TorchGenerator(0);
        Assert.Throws<ArgumentException>(() => g.Uniform(new float[3], from, to));
    }

    [Fact]
    public void Normal_rejects_a_negative_std_and_randperm_a_negative_size()
    {
        var g = new TorchGenerator(0);
        Assert.Throws<ArgumentException>(() => g.Normal(new float[3], 0, -1));
        Assert.Throws<ArgumentException>(() => g.Normal(new double[3], double.NaN, 1));
        Assert.Throws<ArgumentException>(() => g.RandPerm(-1));
        Assert.Throws<ArgumentException>(() => new TorchGenerator(0, (TorchCpuCapability)7));
    }

    [Fact]
    public void Randperm_is_a_permutation()
    {
        long[] p = new TorchGenerator(4).RandPerm(1000);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), p.Order());
        Assert.Empty(new TorchGenerator(4).RandPerm(0));
    }

    [Fact]
    public void Kaiming_on_a_tensor_with_a_zero_dimension_draws_nothing_as_in_PyTorch()
    {
        var g = new TorchGenerator(2);
        var probe = g.Clone();
        TorchInit.KaimingUniform(Span<float>.Empty, new Shape(0, 5), g);
        TorchInit.KaimingNormal(Span<double>.Empty, new Shape(4, 0, 3), g);
        Assert.Equal(probe.NextUInt32(), g.NextUInt32());
    }

    [Fact]
    public void Kaiming_rejects_fan_avg_and_init_functions_check_the_shape()
    {
        var g = new TorchGenerator(2);
        Assert.Throws<ArgumentException>(() => TorchInit.KaimingNormal(new float[6], new Shape(2, 3), g, mode: FanMode.FanAvg));
        Assert.Throws<ArgumentException>(() => TorchInit.XavierUniform(new float[6], new Shape(6), g));
        Assert.Throws<ArgumentException>(() => TorchInit.XavierUniform(new float[5], new Shape(2, 3), g));
        Assert.Throws<ArgumentException>(() => TorchInit.Sparse(new float[24], new Shape(2, 3, 4), g, 0.5));
        Assert.Throws<ArgumentException>(() => TorchInit.Orthogonal(new float[3], new Shape(3), g));
        Assert.Throws<ArgumentException>(() => TorchInit.Normal(new Half[3], g));
        Assert.Throws<ArgumentException>(() => TorchInit.TruncNormal(new float[3], g, 0, 1, 2, -2));
    }

    [Fact]
    public void Calculate_gain_squares_the_leaky_relu_slope_as_Python_does()
    {
        Assert.Equal(Math.Sqrt(2.0 / (1 + Math.Pow(Math.Sqrt(5), 2))), TorchInit.CalculateGain("leaky_relu", Math.Sqrt(5)));
        Assert.Equal(Math.Sqrt(2.0 / (1 + 0.0001)), TorchInit.CalculateGain("leaky_relu"), 15);
        Assert.Equal(5.0 / 3, TorchInit.CalculateGain("tanh"));
        Assert.Throws<ArgumentException>(() => TorchInit.CalculateGain("gelu"));
    }

    [Fact]
    public void The_default_layer_init_draws_the_weight_then_a_bias_bounded_by_one_over_sqrt_fan_in()
    {
        var g = new TorchGenerator(8);
        var w = new float[12 * 20];
        var b = new float[12];
        TorchInit.ResetParameters<float>(w, new Shape(12, 20), b, g);
        float bound = (float)(1 / Math.Sqrt(20));
        Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.All(b, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.Throws<ArgumentException>(() => TorchInit.ResetParameters<float>(w, new Shape(12, 20), new float[5], g));
    }

    [Theory]
    [InlineData("lecun_normal")]
    [InlineData("lecun_uniform")]
    [InlineData("delta_orthogonal")]
    public void Schemes_without_a_torch_nn_init_counterpart_are_refused_by_name(string scheme)
    {
        var init = Schemes.Create(scheme);
        var e = Assert.Throws<ArgumentException>(() => init.Create<float>(new Shape(4, 4, 3), new TorchGenerator(0)));
        Assert.Contains(scheme, e.Message);
        Assert.Contains("kaiming_uniform", e.Message);   // the message lists the schemes that do work
    }

    [Fact]
    public void Fans_in_the_keras_layout_and_kaiming_with_fan_avg_are_refused_with_the_torch_generator()
    {
        var keras = Schemes.Create("xavier_uniform", new() { Layout = FanLayout.Keras });
        Assert.Throws<ArgumentException>(() => keras.Create<float>(new Shape(3, 4), new TorchGenerator(0)));
        var avg = Schemes.Create("kaiming_normal", new() { Mode = FanMode.FanAvg });
        Assert.Throws<ArgumentException>(() => avg.Create<float>(new Shape(3, 4), new TorchGenerator(0)));
        Assert.Throws<ArgumentException>(() => Init.Normal().Create<Half>(new Shape(3, 4), new TorchGenerator(0)));
        Assert.DoesNotContain("lecun_normal", Schemes.TorchNames);
        Assert.Contains("he_uniform", Schemes.TorchNames);
    }

    [Fact]
    public void Schemes_that_draw_nothing_fill_as_usual_and_leave_the_generator_alone()
    {
        var g = new TorchGenerator(5);
        var probe = g.Clone();
        var eye = Init.Eye().Create<float>(new Shape(3, 3), g);
        Assert.Equal([1f, 0, 0, 0, 1f, 0, 0, 0, 1f], eye.Data);
        Assert.All(Init.Constant(0.25).Create<double>(new Shape(2, 2), g).Data, v => Assert.Equal(0.25, v));
        Assert.Equal(probe.NextUInt32(), g.NextUInt32());
    }
}
