using System.Security.Cryptography;
using System.Text.Json;

namespace InitLab.Tests.Formats;

/// <summary>The committed model fixtures (tests/fixtures/models) and the expectations NumPy computed for them.</summary>
internal static class Fixtures
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures", "models");

    /// <summary>The source folder of the fixtures (for regenerating InitLab-written files with INITLAB_UPDATE_FIXTURES=1).</summary>
    public static string SourceDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "InitLab.slnx"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "tests", "fixtures", "models");
        }
    }

    public static string PathOf(string relative) => Path.Combine(Directory, relative);

    public sealed record TensorExpectation(string Name, long[] Shape, string DType, double Sum, string Sha256);

    public sealed record FileExpectation(string File, string Format, IReadOnlyList<TensorExpectation> Tensors);

    private static readonly Lazy<JsonDocument> Expected = new(() => JsonDocument.Parse(File.ReadAllBytes(PathOf("expected.json"))));

    public static JsonElement Root => Expected.Value.RootElement;

    public static IEnumerable<FileExpectation> Files() =>
        Root.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object).Select(p => new FileExpectation(
            p.Name, p.Value.GetProperty("format").GetString()!,
            p.Value.GetProperty("tensors").EnumerateArray().Select(t => new TensorExpectation(
                t.GetProperty("name").GetString()!,
                t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                t.GetProperty("dtype").GetString()!,
                t.GetProperty("sum").GetDouble(),
                t.GetProperty("sha256").GetString()!)).ToList()));

    public static FileExpectation File_(string name) => Files().Single(f => f.File == name);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
