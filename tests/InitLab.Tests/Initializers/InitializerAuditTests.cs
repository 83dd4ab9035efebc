using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

public sealed class InitializerAuditTests
{
    private const double Float32Roundoff = 1.0 / (1 << 24);

    public static TheoryData<string> AllSchemes() => InitializerBehaviourTests.AllSchemes();

    [Theory]
    [MemberData(nameof(AllSchemes))]
    public void Every_scheme_passes_its_own_audit_after_float32_rounding(string scheme)
    {
        var init = Schemes.Create(scheme, InitializerBehaviourTests.Options(scheme));
        var shape = scheme is "dirac" or "delta_orthogonal" ? new Shape(32, 16, 3, 3) : new Shape(96, 64);
        var w = init.Create<float>(shape, new Generator(31));
        var report = InitializerAudit.Run(init, Array.ConvertAll(w.Data, v => (double)v), shape, Float32Roundoff);
        Assert.True(report.Passed, string.Join("; ", report.Checks));
    }

    [Fact]
    public void A_uniform_tensor_fails_an_xavier_normal_audit_even_with_the_right_std()
    {
        var shape = new Shape(256, 128);
        double std = Math.Sqrt(2.0 / (256 + 128)), bound = Math.Sqrt(3) * std;
        var w = Init.Uniform(-bound, bound).Create<double>(shape, new Generator(1));
        var report = InitializerAudit.Run(Init.XavierNormal(), w.Data, shape, Float32Roundoff);
        Assert.False(report.Passed);
        Assert.True(report.Checks.Single(c => c.Name == "std").Passed, "the std matches, only the shape of the law differs");
        Assert.False(report.Checks.Single(c => c.Name == "ks").Passed);
    }

    [Fact]
    public void A_constant_tensor_fails_a_trunc_normal_audit()
    {
        var shape = new Shape(64, 64);
        var w = Init.Constant(0.1).Create<double>(shape, new Generator(1));
        Assert.False(InitializerAudit.Run(Init.TruncNormal(0, 0.02, -0.04, 0.04), w.Data, shape, Float32Roundoff).Passed);
    }

    [Fact]
    public void A_normal_tensor_fails_an_orthogonal_audit()
    {
        var shape = new Shape(64, 32);
        var w = Init.Normal(0, 1 / 8.0).Create<double>(shape, new Generator(1));
        var report = InitializerAudit.Run(Init.Orthogonal(), w.Data, shape, Float32Roundoff);
        Assert.False(report.Checks.Single(c => c.Name == "gram").Passed);
    }

    [Fact]
    public void A_tensor_with_a_NaN_fails_the_finite_check()
    {
        var x = new double[100];
        x[3] = double.NaN;
        var report = InitializerAudit.Run(Init.Zeros(), x, new Shape(10, 10), Float32Roundoff);
        Assert.False(report.Passed);
        Assert.Equal(1, report.Checks.Single(c => c.Name == "finite").Value);
    }

    [Fact]
    public void Bad_audit_arguments_are_rejected()
    {
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => InitializerAudit.Run(Init.Zeros(), new double[3], new Shape(2, 2), 1e-7)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentException>(() => InitializerAudit.Run(Init.Zeros(), new double[4], new Shape(2, 2), 1e-7, 0)).ParamName);
        Assert.Equal("unitRoundoff", Assert.Throws<ArgumentException>(() => InitializerAudit.Run(Init.Zeros(), new double[4], new Shape(2, 2), 0)).ParamName);
    }
}
