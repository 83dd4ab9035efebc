using System.Text.Json;
using InitLab.Cli;
using InitLab.Formats.Npy;
using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Cli;

public sealed class InitAuditCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("init-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, new CliContext(o, e, interactive: false));
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void Init_writes_a_npy_file_holding_exactly_the_library_tensor(string dtype)
    {
        string path = PathOf("w.npy");
        var (code, _, err) = Run("init", "--scheme", "xavier_normal", "--shape", "16,8,3,3", "--gain", "2", "--seed", "5", "--dtype", dtype, "--out", path);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        var array = NpyFormat.Read(path);
        Assert.Equal(new Shape(16, 8, 3, 3), array.Shape);
        var shape = new Shape(16, 8, 3, 3);
        double[] expected = dtype == "float32"
            ? Array.ConvertAll(Init.XavierNormal(2).Create<float>(shape, new Generator(5)).Data, v => (double)v)
            : Init.XavierNormal(2).Create<double>(shape, new Generator(5)).Data;
        Assert.Equal(expected, array.Data);
        Assert.Equal(dtype == "float32" ? "<f4" : "<f8", array.Descr);
    }

    [Fact]
    public void A_one_sided_trunc_normal_takes_an_infinite_bound_and_audits_against_its_exact_law()
    {
        // [30, inf): std 0.033223056931746828663 (the 60-digit reference of Numerics/StandardTruncatedNormalTests). The
        // bounds used to accept only finite numbers, so a one-sided tail could not be asked for.
        string path = PathOf("tail.npy");
        var (code, _, err) = Run("init", "--scheme", "trunc_normal", "--low", "30", "--high", "inf", "--shape", "200,100", "--seed", "3", "--dtype", "float64", "--out", path);
        Assert.Equal("", err);
        Assert.Equal(0, code);
        var expected = Init.TruncNormal(0, 1, 30, double.PositiveInfinity).Create<double>(new Shape(200, 100), new Generator(3)).Data;
        Assert.Equal(expected, NpyFormat.Read(path).Data);
        Assert.All(expected, v => Assert.InRange(v, 30, 40));
        var (acode, aout, aerr) = Run("audit", path, "--scheme", "trunc_normal", "--low", "30", "--high", "inf", "--json");
        Assert.Equal("", aerr);
        Assert.Equal(0, acode);
        using var doc = JsonDocument.Parse(aout);
        Assert.Equal(0.033223056931746828663, doc.RootElement.GetProperty("expected_std").GetDouble(), 14);
        Assert.Equal("Infinity", doc.RootElement.GetProperty("config").GetProperty("options").GetProperty("high").GetString());
    }

    [Fact]
    public void Init_json_reports_the_scheme_shape_and_std()
    {
        var (code, output, _) = Run("init", "--scheme", "lecun_normal", "--shape", "64,32", "--out", PathOf("l.npy"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("lecun_normal", root.GetProperty("scheme").GetString());
        Assert.Equal([64, 32], root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1 / Math.Sqrt(32), root.GetProperty("target_std").GetDouble(), 12);
    }

    public static TheoryData<string[], string> BadInitArguments => new()
    {
        { ["--scheme", "bogus", "--shape", "3,3"], "valid names: uniform, normal" },
        { ["--scheme", "normal", "--shape", "0,3"], "zero dimension" },
        { ["--scheme", "normal", "--shape", "-1,3"], "non-negative integers (dimension 1 is '-1')" },
        { ["--scheme", "normal", "--shape", "a,3"], "dimension 1 is 'a'" },
        { ["--scheme", "xavier_uniform", "--shape", "5"], "at least 2 dimensions" },
        { ["--scheme", "normal", "--shape", "3,3", "--dtype", "int8"], "int8" },
        { ["--scheme", "xavier_uniform", "--shape", "3,3", "--gain", "-1"], "gain" },
        { ["--scheme", "xavier_uniform", "--shape", "3,3", "--gain", "NaN"], "gain" },
        { ["--scheme", "variance_scaling", "--shape", "3,3", "--mode", "fan_sum"], "fan_in, fan_out, fan_avg" },
        { ["--scheme", "variance_scaling", "--shape", "3,3", "--distribution", "cauchy"], "normal, truncated_normal, uniform" },
        { ["--scheme", "normal", "--shape", "3,3", "--layout", "jax"], "torch, keras" },
        { ["--scheme", "sparse", "--shape", "3,3", "--sparsity", "1"], "sparsity" },
        { ["--scheme", "trunc_normal", "--shape", "3,3", "--low", "2", "--high", "-2"], "must be <" },
        { ["--scheme", "trunc_normal", "--shape", "3,3", "--std", "0"], "std" },
        { ["--scheme", "trunc_normal", "--shape", "3,3", "--low", "nan"], "--low must be a number such as 0.5 or 1e-3, or inf or -inf, got 'nan'" },
        { ["--scheme", "trunc_normal", "--shape", "3,3", "--low", "inf"], "--low must be a number or -infinity" },
        { ["--scheme", "uniform", "--shape", "3,3", "--low", "-inf"], "--low must be a finite number" },
        { ["--scheme", "uniform", "--shape", "3,3", "--gain", "2"], "does not apply" },
        { ["--scheme", "kaiming_normal", "--shape", "3,3", "--nonlinearity", "gelu"], "valid names" },
        { ["--scheme", "kaiming_normal", "--shape", "3,3", "--param", "Infinity"], "must be a finite number" },
        { ["--scheme", "normal", "--shape", "3,3", "--seed", "-4"], "--seed" },
    };

    [Theory]
    [MemberData(nameof(BadInitArguments))]
    public void Bad_init_arguments_give_one_line_on_stderr_and_exit_code_2(string[] args, string expected)
    {
        string path = PathOf("bad.npy");
        var (code, output, err) = Run(["init", .. args, "--out", path]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains(expected, err);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Init_into_a_missing_directory_exits_2()
    {
        var (code, _, err) = Run("init", "--scheme", "normal", "--shape", "3,3", "--out", PathOf("no/such/dir/w.npy"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
    }

    [Theory]
    [InlineData("xavier_normal", new string[0])]
    [InlineData("trunc_normal", new[] { "--std", "0.02", "--low", "-0.04", "--high", "0.04" })]
    [InlineData("orthogonal", new[] { "--gain", "1.5" })]
    [InlineData("sparse", new[] { "--sparsity", "0.2" })]
    [InlineData("eye", new string[0])]
    [InlineData("he_uniform", new[] { "--nonlinearity", "leaky_relu", "--param", "0.2", "--mode", "fan_out" })]
    [InlineData("variance_scaling", new[] { "--scale", "2", "--mode", "fan_out", "--distribution", "truncated_normal", "--layout", "keras" })]
    public void Audit_passes_on_a_file_init_wrote_with_the_same_scheme(string scheme, string[] options)
    {
        string path = PathOf("ok.npy");
        Assert.Equal(0, Run(["init", "--scheme", scheme, "--shape", "128,96", .. options, "--out", path, "--seed", "3"]).Code);
        var (code, output, err) = Run(["audit", path, "--scheme", scheme, .. options]);
        Assert.True(code == 0, output + err);
        Assert.Contains("verdict: pass", output);
    }

    [Fact]
    public void Audit_fails_with_exit_code_1_on_a_uniform_file_claimed_as_xavier_normal()
    {
        string path = PathOf("u.npy");
        double bound = Math.Sqrt(3) * Math.Sqrt(2.0 / (256 + 128));
        NpyFormat.Write(path, Init.Uniform(-bound, bound).Create<float>(new Shape(256, 128), new Generator(1)).Data, new Shape(256, 128));
        var (code, output, _) = Run("audit", path, "--scheme", "xavier_normal", "--json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("fail", doc.RootElement.GetProperty("verdict").GetString());
        Assert.True(doc.RootElement.GetProperty("ks_p_value").GetDouble() < AuditCommand.Alpha);
        Assert.Equal(1.0, doc.RootElement.GetProperty("std_ratio").GetDouble(), 1);
    }

    [Fact]
    public void Audit_fails_on_a_constant_file_claimed_as_trunc_normal()
    {
        string path = PathOf("c.npy");
        NpyFormat.Write(path, Enumerable.Repeat(0.5, 4096).ToArray(), new Shape(64, 64));
        Assert.Equal(1, Run("audit", path, "--scheme", "trunc_normal").Code);
    }

    [Fact]
    public void Audit_of_a_corrupt_file_exits_2_with_one_line()
    {
        string path = PathOf("corrupt.npy");
        File.WriteAllBytes(path, [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 200, 0, (byte)'{']);
        var (code, _, err) = Run("audit", path, "--scheme", "normal");
        Assert.Equal(2, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains("not a readable .npy file", err);
    }

    [Fact]
    public void Audit_of_a_missing_file_exits_2()
    {
        Assert.Equal(2, Run("audit", PathOf("absent.npy"), "--scheme", "normal").Code);
    }

    [Fact]
    public void Audit_of_a_shape_the_scheme_cannot_have_exits_2()
    {
        string path = PathOf("v.npy");
        NpyFormat.Write(path, new float[10], new Shape(10));
        var (code, _, err) = Run("audit", path, "--scheme", "xavier_uniform");
        Assert.Equal(2, code);
        Assert.Contains("at least 2 dimensions", err);
    }
}
