using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Random;

/// <summary>
/// The PyTorch 1.13 reference cases of tests/reference/torch_generator.json (written by torch_generator.py): each case
/// seeds one generator and runs its steps in order; each step's output is identified by the first 12 hex digits of the
/// SHA-256 of its little-endian bytes.
/// </summary>
internal static class TorchReference
{
    private static readonly Lazy<JsonDocument> Parsed = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("torch_generator.json")
            ?? throw new InvalidOperationException("torch_generator.json is not embedded in the test assembly.");
        return JsonDocument.Parse(stream);
    });

    public static JsonElement Document => Parsed.Value.RootElement;

    public static JsonElement Meta => Document.GetProperty("meta");

    public static IReadOnlyList<JsonElement> Cases => [.. Document.GetProperty("cases").EnumerateArray()];

    public static TorchCpuCapability Capability(JsonElement c) =>
        c.GetProperty("cap").GetString() == "default" ? TorchCpuCapability.Default : TorchCpuCapability.Avx2;

    public static TorchGenerator Generator(JsonElement c) => new(c.GetProperty("seed").GetUInt64(), Capability(c));

    /// <summary>A short description of a case for messages.</summary>
    public static string Describe(JsonElement c, int stepIndex) =>
        $"{c.GetProperty("cap").GetString()} seed {c.GetProperty("seed").GetUInt64()} step {stepIndex}: {c.GetProperty("steps")[stepIndex]}";

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];

    public static string Hash<T>(T[] values) where T : unmanaged => Hash(Bytes(values));

    public static byte[] Bytes<T>(T[] values) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static int[] Shape(JsonElement step) =>
        step.TryGetProperty("shape", out var s) ? [.. s.EnumerateArray().Select(d => d.GetInt32())] : [];

    public static JsonElement[] Args(JsonElement step) =>
        step.TryGetProperty("args", out var a) ? [.. a.EnumerateArray()] : [];

    public static bool IsDouble(JsonElement step) => step.TryGetProperty("dtype", out var d) && d.GetString() == "float64";

    /// <summary>Runs one single-size step through <see cref="TorchGenerator"/> and <see cref="TorchInit"/> and returns its bytes.</summary>
    public static byte[] Run(TorchGenerator g, string op, int[] shape, JsonElement[] args, bool isDouble) =>
        isDouble ? Run<double>(g, op, shape, args) : Run<float>(g, op, shape, args);

    private static byte[] Run<T>(TorchGenerator g, string op, int[] shape, JsonElement[] a) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (op == "randperm") return Bytes(g.RandPerm(shape[0]));
        if (op is "linear" or "conv2d" or "conv1d") return Module<T>(g, op, a);
        var dims = new Shape(shape);
        var t = new T[dims.Size];
        switch (op)
        {
            case "rand": TorchInit.Uniform<T>(t, g); break;
            case "randn": TorchInit.Normal<T>(t, g); break;
            case "normal" or "normal_": TorchInit.Normal<T>(t, g, D(a[0]), D(a[1])); break;
            case "uniform" or "uniform_": TorchInit.Uniform<T>(t, g, D(a[0]), D(a[1])); break;
            case "trunc_normal_": TorchInit.TruncNormal<T>(t, g, D(a[0]), D(a[1]), D(a[2]), D(a[3])); break;
            case "xavier_uniform_": TorchInit.XavierUniform<T>(t, dims, g, D(a[0])); break;
            case "xavier_normal_": TorchInit.XavierNormal<T>(t, dims, g, D(a[0])); break;
            case "kaiming_uniform_": TorchInit.KaimingUniform<T>(t, dims, g, D(a[0]), Names.ParseFanMode(a[1].GetString()!), a[2].GetString()!); break;
            case "kaiming_normal_": TorchInit.KaimingNormal<T>(t, dims, g, D(a[0]), Names.ParseFanMode(a[1].GetString()!), a[2].GetString()!); break;
            case "sparse_": TorchInit.Sparse<T>(t, dims, g, D(a[0]), D(a[1])); break;
            case "orthogonal_": TorchInit.Orthogonal<T>(t, dims, g, D(a[0])); break;
            default: throw new InvalidOperationException($"unknown op '{op}' in the reference file.");
        }
        return Bytes(t);
    }

    /// <summary>nn.Linear(in, out, bias) / nn.Conv2d(in, out, k, bias) / nn.Conv1d: weight then bias, as reset_parameters draws them.</summary>
    private static byte[] Module<T>(TorchGenerator g, string op, JsonElement[] a) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int inputs = a[0].GetInt32(), outputs = a[1].GetInt32();
        Shape shape = op switch
        {
            "linear" => new Shape(outputs, inputs),
            "conv2d" => new Shape(outputs, inputs, a[2].GetInt32(), a[2].GetInt32()),
            _ => new Shape(outputs, inputs, a[2].GetInt32()),
        };
        bool bias = a[^1].GetBoolean();
        var w = new T[shape.Size];
        var b = new T[bias ? outputs : 0];
        TorchInit.ResetParameters<T>(w, shape, b, g);
        return [.. Bytes(w), .. Bytes(b)];
    }

    /// <summary>The scheme name and options of an init step, for the <see cref="Schemes"/> route; null for plain fills and modules.</summary>
    public static (string Name, InitializerOptions Options)? Scheme(string op, JsonElement[] a) => op switch
    {
        "uniform_" => ("uniform", new() { Low = D(a[0]), High = D(a[1]) }),
        "normal_" => ("normal", new() { Mean = D(a[0]), Std = D(a[1]) }),
        "trunc_normal_" => ("trunc_normal", new() { Mean = D(a[0]), Std = D(a[1]), Low = D(a[2]), High = D(a[3]) }),
        "xavier_uniform_" => ("xavier_uniform", new() { Gain = D(a[0]) }),
        "xavier_normal_" => ("xavier_normal", new() { Gain = D(a[0]) }),
        "kaiming_uniform_" => ("kaiming_uniform", new() { Param = D(a[0]), Mode = Names.ParseFanMode(a[1].GetString()!), Nonlinearity = a[2].GetString() }),
        "kaiming_normal_" => ("kaiming_normal", new() { Param = D(a[0]), Mode = Names.ParseFanMode(a[1].GetString()!), Nonlinearity = a[2].GetString() }),
        "sparse_" => ("sparse", new() { Sparsity = D(a[0]), Std = D(a[1]) }),
        _ => null,
    };

    private static double D(JsonElement e) => e.GetDouble();
}
