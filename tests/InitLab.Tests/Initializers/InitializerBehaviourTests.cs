using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

public sealed class InitializerBehaviourTests
{
    [Theory]
    [MemberData(nameof(AllSchemes))]
    public void Zero_size_tensors_are_filled_without_error_where_PyTorch_allows_them(string scheme)
    {
        var init = Schemes.Create(scheme, Options(scheme));
        int[] dims = scheme switch
        {
            "dirac" => [0, 3, 3, 3],
            "delta_orthogonal" => [3, 0, 3, 3],
            _ => [0, 3],
        };
        var w = init.Create<float>(new Shape(dims), new Generator(0));
        Assert.Equal(0, w.Length);
    }

    [Theory]
    [MemberData(nameof(AllSchemes))]
    public void Same_seed_gives_the_same_bits_and_float_and_double_agree_in_shape(string scheme)
    {
        var init = Schemes.Create(scheme, Options(scheme));
        var shape = scheme is "dirac" or "delta_orthogonal" ? new Shape(8, 4, 3, 3) : new Shape(12, 8);
        var a = init.Create<float>(shape, new Generator(42, 1));
        var b = init.Create<float>(shape, new Generator(42, 1));
        Assert.Equal(a.Data, b.Data);
        Assert.Equal(shape, init.Create<double>(shape, new Generator(42, 1)).Shape);
    }

    [Theory]
    [MemberData(nameof(AllSchemes))]
    public void Every_element_is_written_whatever_the_buffer_held(string scheme)
    {
        // The explicit engine recycles dead parameter arrays and NetworkParameters draws into uninitialized ones: a scheme
        // that left any element as it found it would leak stale values into a network.
        var init = Schemes.Create(scheme, Options(scheme));
        var shape = scheme is "dirac" or "delta_orthogonal" ? new Shape(8, 4, 3, 3) : new Shape(12, 8);
        var clean = new float[shape.Size];
        init.Fill<float>(clean, shape, new Generator(42, 1), threads: 1);
        var poisoned = Enumerable.Repeat(float.NaN, (int)shape.Size).ToArray();
        init.Fill<float>(poisoned, shape, new Generator(42, 1), threads: 1);
        Assert.Equal(clean, poisoned);
        var cleanD = new double[shape.Size];
        init.Fill<double>(cleanD, shape, new Generator(42, 1), threads: 1);
        var poisonedD = Enumerable.Repeat(12345.0, (int)shape.Size).ToArray();
        init.Fill<double>(poisonedD, shape, new Generator(42, 1), threads: 1);
        Assert.Equal(cleanD, poisonedD);
    }

    [Fact]
    public void Fills_give_the_same_bits_on_one_thread_and_on_many()
    {
        // 600 x 512: more than one 2^16-element chunk of the generator, and the orthogonal sampler's GEMMs
        // (128 x 512 x 600 = 3.9e7 multiply-adds) cross the 2^25 serial threshold.
        var shape = new Shape(600, 512);
        foreach (var init in new[] { Init.XavierNormal(), Init.LecunNormal(), Init.TorchDefault(), Init.TruncNormal(0, 1, -2, 2),
                     Init.Orthogonal(), Init.Sparse(0.5, 0.01) })
        {
            var serial = init.Create<float>(shape, new Generator(7), threads: 1);
            foreach (int threads in ThreadCounts.All)
            {
                var parallel = ThreadCounts.Parallel(threads, t => init.Create<float>(shape, new Generator(7), t));
                Assert.Equal(serial.Data, parallel.Data);
            }
        }
    }

    [Fact]
    public void A_negative_thread_count_is_rejected_before_the_generator_moves()
    {
        var g = new Generator(3);
        var ex = Assert.Throws<ArgumentException>(() => Init.XavierNormal().Create<float>(new Shape(4, 4), g, threads: -1));
        Assert.Equal("threads", ex.ParamName);
        Assert.Equal(0UL, g.Position);
    }

    [Fact]
    public void Half_precision_tensors_are_filled_through_double()
    {
        var w = Init.XavierUniform().Create<Half>(new Shape(64, 64), new Generator(1));
        double bound = Math.Sqrt(6.0 / 128);
        Assert.All(w.Data, v => Assert.InRange((double)v, -bound - 1e-3, bound + 1e-3));
        Assert.Contains(w.Data, v => v != Half.Zero);
    }

    [Fact]
    public void A_span_of_the_wrong_length_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Init.Normal().Fill(new float[5], new Shape(2, 3), new Generator(0)));
        Assert.Equal("weights", ex.ParamName);
    }

    public static TheoryData<string, Func<Initializer>> BadParameters => new()
    {
        { "low", () => Init.Uniform(1, 1) },
        { "low", () => Init.Uniform(double.NaN, 1) },
        { "high", () => Init.Uniform(0, double.PositiveInfinity) },
        { "std", () => Init.Normal(0, -1) },
        { "mean", () => Init.Normal(double.NaN, 1) },
        { "std", () => Init.TruncNormal(0, 0) },
        { "a", () => Init.TruncNormal(0, 1, 2, 2) },
        { "a", () => Init.TruncNormal(0, 1, 3, -3) },
        { "a", () => Init.TruncNormal(0, 1, double.NaN, 1) },
        { "b", () => Init.TruncNormal(0, 1, 0, double.NegativeInfinity) },
        { "lower", () => Init.TruncNormalInStds(0, 1, 2, 1) },
        { "value", () => Init.Constant(double.NaN) },
        { "gain", () => Init.XavierUniform(-1) },
        { "gain", () => Init.XavierNormal(double.NaN) },
        { "gain", () => Init.Orthogonal(-0.5) },
        { "gain", () => Init.Identity(double.PositiveInfinity) },
        { "scale", () => Init.DeltaOrthogonal(-1) },
        { "scale", () => Init.VarianceScaling(-2) },
        { "scale", () => Init.VarianceScaling(double.NaN) },
        { "sparsity", () => Init.Sparse(1) },
        { "sparsity", () => Init.Sparse(-0.1) },
        { "sparsity", () => Init.Sparse(double.NaN) },
        { "std", () => Init.Sparse(0.5, -1) },
        { "groups", () => Init.Dirac(0) },
        { "a", () => Init.KaimingNormal(double.NaN) },
        { "a", () => Init.KaimingUniform(double.PositiveInfinity, FanMode.FanIn, "relu") },
        { "nonlinearity", () => Init.KaimingNormal(0, FanMode.FanIn, "swishy") },
        { "mode", () => Init.VarianceScaling(1, (FanMode)7) },
        { "distribution", () => Init.VarianceScaling(1, FanMode.FanIn, (VarianceDistribution)9) },
    };

    [Theory]
    [MemberData(nameof(BadParameters))]
    public void Bad_parameters_are_rejected_naming_the_parameter(string parameter, Func<Initializer> create)
    {
        var ex = Assert.Throws<ArgumentException>(create);
        Assert.Equal(parameter, ex.ParamName);
    }

    [Fact]
    public void Unknown_mode_distribution_and_layout_names_list_the_valid_values()
    {
        Assert.Contains("fan_in, fan_out, fan_avg", Assert.Throws<ArgumentException>(() => Names.ParseFanMode("fan_sum")).Message);
        Assert.Contains("normal, truncated_normal, uniform", Assert.Throws<ArgumentException>(() => Names.ParseDistribution("gamma")).Message);
        Assert.Contains("torch, keras", Assert.Throws<ArgumentException>(() => Names.ParseLayout("jax")).Message);
        Assert.Equal(FanMode.FanAvg, Names.ParseFanMode("FAN_AVG"));
    }

    public static TheoryData<string> AllSchemes()
    {
        var data = new TheoryData<string>();
        foreach (var name in Schemes.Names) data.Add(name);
        return data;
    }

    internal static InitializerOptions? Options(string scheme) => scheme switch
    {
        "constant" => new InitializerOptions { Value = 0.5 },
        "sparse" => new InitializerOptions { Sparsity = 0.5 },
        _ => null,
    };
}
