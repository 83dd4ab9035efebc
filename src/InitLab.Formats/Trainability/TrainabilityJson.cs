using System.Globalization;
using System.Text.Json;
using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Training;

namespace InitLab.Formats.Trainability;

/// <summary>
/// The JSON form of a <see cref="TrainabilityDocument"/> (what <c>initlab trainability --json</c> prints and
/// <c>initlab merge</c> reads), with the number convention of <see cref="JsonConvention"/>:
/// <code>
/// {"format": "initlab-trainability", "format_version": 1, "activation": "tanh", "param": null, "sigma_w_grid": "1:4:13",
///  "depth_grid": "10:100:10", "width": 256, "sigma_b": 0.05, "steps": 300, "batch": 64, "optimizer": "sgd", "lr": 0.001,
///  "momentum": 0.9, "train_size": 60000, "test_size": 10000, "data_sha256": "...", "seed": 0, "initlab_version": "..",
///  "total_cells": 130, "shard": "1/2",
///  "cells": [{"index": 0, "sigma_w": 1, "depth": 10, "test_accuracy": 0.81, "diverged_at_step": null, "final_loss": 0.52,
///             "verdict": "stable"}, ...],
///  "trainable_depth": [{"sigma_w": 1, "xi_c": 14.7, "predicted": 88, "threshold": 0.44, "measured": 85, "best_accuracy": 0.77}, ...]}
/// </code>
/// <c>trainable_depth</c> (<see cref="TrainabilityAnalysis"/>) appears only in a whole grid and is recomputed, not read. The reader treats its input as hostile like <c>SweepJson</c>: a size limit, every key required
/// with its type, no duplicate keys, exact integers, and the document's own consistency checked; every problem is an
/// <see cref="InvalidDataException"/> that says what is wrong.
/// </summary>
public static class TrainabilityJson
{
    /// <summary>The value of the "format" key.</summary>
    public const string FormatName = "initlab-trainability";

    /// <summary>The value of the "format_version" key.</summary>
    public const int FormatVersion = 1;

    /// <summary>Documents larger than this are refused before they are read.</summary>
    public const long MaxBytes = 512L << 20;

    /// <summary>The whole document as JSON text.</summary>
    public static string Write(TrainabilityDocument document) => JsonConvention.Write(w =>
    {
        w.WriteStartObject();
        WriteProperties(w, document);
        w.WriteEndObject();
    });

    /// <summary>Writes the document's keys into the current JSON object (so that a caller can add keys, e.g. a config).</summary>
    public static void WriteProperties(Utf8JsonWriter w, TrainabilityDocument document)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(document);
        var s = document.Settings;
        w.WriteString("format", FormatName);
        w.WriteNumber("format_version", FormatVersion);
        w.WriteString("activation", s.Activation);
        JsonConvention.WriteNumberOrNull(w, "param", s.ActivationParameter);
        w.WriteString("sigma_w_grid", s.SigmaW.ToString());
        w.WriteString("depth_grid", s.Depth.ToString());
        w.WriteNumber("width", s.Width);
        JsonConvention.WriteNumber(w, "sigma_b", s.SigmaB);
        w.WriteNumber("steps", s.Steps);
        w.WriteNumber("batch", s.Batch);
        w.WriteString("optimizer", s.Optimizer);
        JsonConvention.WriteNumber(w, "lr", s.LearningRate);
        JsonConvention.WriteNumberOrNull(w, "momentum", s.Momentum);
        w.WriteNumber("train_size", s.TrainSize);
        w.WriteNumber("test_size", s.TestSize);
        w.WriteString("data_sha256", s.DataSha256);
        w.WriteNumber("seed", s.Seed);
        w.WriteString("initlab_version", s.InitLabVersion);
        w.WriteNumber("total_cells", document.TotalCells);
        w.WriteString("shard", document.Shard.ToString());
        w.WriteStartArray("cells");
        foreach (var c in document.Cells)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Index);
            JsonConvention.WriteNumber(w, "sigma_w", c.SigmaW);
            w.WriteNumber("depth", c.Depth);
            JsonConvention.WriteNumberOrNull(w, "test_accuracy", c.TestAccuracy);
            if (c.DivergedAtStep is { } k) w.WriteNumber("diverged_at_step", k);
            else w.WriteNull("diverged_at_step");
            JsonConvention.WriteNumber(w, "final_loss", c.FinalLoss);
            w.WriteString("verdict", c.Verdict);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (!document.IsWhole) return;
        w.WriteStartArray("trainable_depth");
        foreach (var d in TrainabilityAnalysis.Of(document).Depths)
        {
            w.WriteStartObject();
            JsonConvention.WriteNumber(w, "sigma_w", d.SigmaW);
            JsonConvention.WriteNumberOrNull(w, "xi_c", d.XiC);
            JsonConvention.WriteNumberOrNull(w, "predicted", d.PredictedDepth);
            JsonConvention.WriteNumber(w, "threshold", d.Threshold);
            if (d.MeasuredDepth is { } m) w.WriteNumber("measured", m);
            else w.WriteNull("measured");
            JsonConvention.WriteNumberOrNull(w, "best_accuracy", d.BestAccuracy);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>True when <paramref name="utf8"/> is a JSON object whose "format" is <see cref="FormatName"/> (a cheap sniff; <see cref="Read(ReadOnlySpan{byte}, string)"/> checks the rest).</summary>
    public static bool Sniff(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isFormat = reader.ValueTextEquals("format");
                if (!reader.Read()) return false;
                if (isFormat) return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(FormatName);
                if (!reader.TrySkip()) return false;
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a trainability document file (a regular file of at most <see cref="MaxBytes"/> bytes).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid trainability document; the message says why.</exception>
    public static TrainabilityDocument ReadFile(string path) => ResultDocuments.ReadFile(path, "trainability", MaxBytes, Parse, d => d.Validate());

    /// <summary>Reads a trainability document from UTF-8 JSON bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid document; the message names <paramref name="source"/> and says why.</exception>
    public static TrainabilityDocument Read(ReadOnlySpan<byte> utf8, string source) =>
        ResultDocuments.Read(utf8, source, "trainability", MaxBytes, Parse, d => d.Validate());

    private static TrainabilityDocument Parse(JsonElement root, ResultDocuments.Context context)
    {
        var o = new JsonFields(root, "the document", context);
        ResultDocuments.CheckFormat(o, FormatName, FormatVersion);
        string activation = o.String("activation");
        double? param = o.NullableNumber("param");
        var act = ActivationRegistry.Parse(activation, param);
        if (act.Name != activation) throw context.Fail($"\"activation\" '{activation}' is not a canonical name (write '{act.Name}')");
        string sha = o.String("data_sha256");
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)) throw context.Fail($"\"data_sha256\" must be 64 lower-case hex digits, got '{sha}'");
        var settings = new TrainabilitySettings(activation, param, ResultDocuments.Grid(o, "sigma_w_grid"), ResultDocuments.Grid(o, "depth_grid"),
            o.Int("width"), o.Number("sigma_b"), o.Int("steps"), o.Int("batch"), o.String("optimizer"), o.Number("lr"), o.NullableNumber("momentum"),
            o.Int("train_size"), o.Int("test_size"), sha, o.UInt64("seed"), o.String("initlab_version"));
        settings.Validate();
        int total = o.Int("total_cells");
        if (total != settings.TotalCells) throw context.Fail($"\"total_cells\" is {total} but the grids have {settings.TotalCells} cells");
        var shard = Shard.Parse(o.String("shard"), "\"shard\"");
        var cellElements = o.Array("cells");
        if (cellElements.Count > total) throw context.Fail($"\"cells\" holds {cellElements.Count} cells, more than the grid's {total}");
        var cells = new List<TrainabilityCell>(cellElements.Count);
        for (int i = 0; i < cellElements.Count; i++)
        {
            var c = new JsonFields(cellElements[i], $"cells[{i}]", context);
            string verdict = c.String("verdict");
            if (verdict is not ("stable" or "exploding" or "vanishing")) throw context.Fail($"cells[{i}].verdict is '{verdict}', not stable, exploding or vanishing");
            cells.Add(new TrainabilityCell(c.Int("index"), c.Number("sigma_w"), c.Int("depth"), c.NullableNumber("test_accuracy"), c.NullableInt("diverged_at_step"),
                c.Number("final_loss"), verdict));
        }
        return new TrainabilityDocument(settings, shard, cells);
    }
}
