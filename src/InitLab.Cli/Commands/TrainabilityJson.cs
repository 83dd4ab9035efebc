using System.Text.Json;
using InitLab.Propagation;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>
/// The JSON form of a trainability document: <c>{"kind":"trainability","config":{..},"total_cells":..,"shard":"K/N",
/// "cells":[{"index","sigma_w","depth","test_accuracy","diverged_at_step","final_loss","verdict"}], ...}</c>; a whole
/// grid also carries the threshold and the trainable depth per sigma_w (measured next to 6 xi_c).
/// </summary>
internal static class TrainabilityJson
{
    public const string Kind = "trainability";

    public static string Write(TrainabilityDocument doc) => Json.Write(w =>
    {
        var s = doc.Settings;
        w.WriteStartObject();
        w.WriteString("kind", Kind);
        w.WriteStartObject("config");
        foreach (var (name, value) in s.Describe())
        {
            switch (name)
            {
                case "param" or "momentum" when value == "none": w.WriteNull(name); break;
                case "width" or "steps" or "batch" or "train_size" or "test_size": w.WriteNumber(name, int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                case "seed": w.WriteNumber(name, s.Seed); break;
                case "param": Json.Number(w, name, s.ActivationParameter!.Value); break;
                case "sigma_b": Json.Number(w, name, s.SigmaB); break;
                case "lr": Json.Number(w, name, s.LearningRate); break;
                case "momentum": Json.Number(w, name, s.Momentum!.Value); break;
                default: w.WriteString(name, value); break;
            }
        }
        w.WriteEndObject();
        w.WriteNumber("total_cells", s.TotalCells);
        w.WriteString("shard", $"{doc.ShardIndex}/{doc.ShardCount}");
        w.WriteStartArray("cells");
        foreach (var c in doc.Cells)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Index);
            Json.Number(w, "sigma_w", c.SigmaW);
            w.WriteNumber("depth", c.Depth);
            if (c.TestAccuracy is { } a) Json.Number(w, "test_accuracy", a);
            else w.WriteNull("test_accuracy");
            if (c.DivergedAtStep is { } k) w.WriteNumber("diverged_at_step", k);
            else w.WriteNull("diverged_at_step");
            Json.Number(w, "final_loss", c.FinalLoss);
            w.WriteString("verdict", c.Verdict);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (doc.IsWhole)
        {
            var (threshold, depths) = Analyze(doc);
            Json.Number(w, "threshold", threshold);
            w.WriteStartArray("trainable_depth");
            foreach (var d in depths)
            {
                w.WriteStartObject();
                Json.Number(w, "sigma_w", d.SigmaW);
                if (d.XiC is { } xi) Json.Number(w, "xi_c", xi);
                else w.WriteNull("xi_c");
                if (d.PredictedDepth is { } p) Json.Number(w, "predicted", p);
                else w.WriteNull("predicted");
                if (d.MeasuredDepth is { } m) w.WriteNumber("measured", m);
                else w.WriteNull("measured");
                if (d.BestAccuracy is { } b) Json.Number(w, "best_accuracy", b);
                else w.WriteNull("best_accuracy");
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    });

    /// <summary>The threshold (half-way between chance and the best cell) and the trainable depth per sigma_w.</summary>
    public static (double Threshold, IReadOnlyList<TrainableDepth> Depths) Analyze(TrainabilityDocument doc)
    {
        const int classes = 10;
        double threshold = TrainabilityAnalysis.Threshold(doc.Cells, classes);
        var activation = Activations.ActivationRegistry.Parse(doc.Settings.Activation, doc.Settings.ActivationParameter);
        return (threshold, TrainabilityAnalysis.TrainableDepths(doc.Cells, activation, doc.Settings.SigmaB, threshold));
    }

    /// <summary>True when <paramref name="text"/> is a trainability document (its "kind").</summary>
    public static bool IsTrainability(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("kind", out var k)
                && k.ValueKind == JsonValueKind.String && k.GetString() == Kind;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a document written by <see cref="Write"/>; anything else is an <see cref="InvalidDataException"/> naming <paramref name="source"/>.</summary>
    public static TrainabilityDocument Parse(string text, string source)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (!root.TryGetProperty("kind", out var kind) || kind.GetString() != Kind)
                throw new InvalidDataException($"{source} is not an initlab trainability document (no \"kind\": \"{Kind}\").");
            var c = root.GetProperty("config");
            var settings = new TrainabilitySettings(
                Str(c, "act"), NullableNum(c, "param"),
                ParameterGrid.Parse(Str(c, "sigma_w_grid"), "sigma_w_grid"), ParameterGrid.Parse(Str(c, "depth_grid"), "depth_grid"),
                c.GetProperty("width").GetInt32(), Num(c.GetProperty("sigma_b")), c.GetProperty("steps").GetInt32(), c.GetProperty("batch").GetInt32(),
                Str(c, "optimizer"), Num(c.GetProperty("lr")), NullableNum(c, "momentum"), c.GetProperty("train_size").GetInt32(),
                c.GetProperty("test_size").GetInt32(), Str(c, "data_sha256"), c.GetProperty("seed").GetUInt64(), Str(c, "version"));
            var shard = Str(root, "shard").Split('/');
            if (shard.Length != 2 || !int.TryParse(shard[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k)
                || !int.TryParse(shard[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 1 || k < 1 || k > n)
                throw new FormatException($"shard must be K/N, got '{Str(root, "shard")}'");
            if (root.GetProperty("total_cells").GetInt32() != settings.TotalCells)
                throw new FormatException($"total_cells {root.GetProperty("total_cells").GetInt32()} does not match the grids' {settings.TotalCells}");
            var cells = new List<TrainabilityCell>();
            foreach (var e in root.GetProperty("cells").EnumerateArray())
            {
                var accuracy = e.GetProperty("test_accuracy");
                var diverged = e.GetProperty("diverged_at_step");
                cells.Add(new TrainabilityCell(e.GetProperty("index").GetInt32(), Num(e.GetProperty("sigma_w")), e.GetProperty("depth").GetInt32(),
                    accuracy.ValueKind == JsonValueKind.Null ? null : Num(accuracy), diverged.ValueKind == JsonValueKind.Null ? null : diverged.GetInt32(),
                    Num(e.GetProperty("final_loss")), Str(e, "verdict")));
            }
            var doc = new TrainabilityDocument(settings, k, n, cells);
            doc.Validate();
            return doc;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{source} is not a valid initlab trainability document: {ex.Message}");
        }
    }

    private static string Str(JsonElement e, string name) => e.GetProperty(name).GetString() ?? throw new FormatException($"{name} is null");

    private static double? NullableNum(JsonElement e, string name) => e.GetProperty(name) is { ValueKind: JsonValueKind.Null } ? null : Num(e.GetProperty(name));

    private static double Num(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch { "NaN" => double.NaN, "Infinity" => double.PositiveInfinity, "-Infinity" => double.NegativeInfinity, var s => throw new FormatException($"bad number '{s}'") }
        : e.GetDouble();
}
