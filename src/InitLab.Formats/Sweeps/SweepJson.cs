using System.Globalization;
using System.Text.Json;
using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Formats.Sweeps;

/// <summary>
/// The JSON form of a <see cref="SweepDocument"/> (what <c>initlab sweep --json</c> prints and <c>initlab merge</c>
/// reads), with the number convention of <see cref="JsonConvention"/>:
/// <code>
/// {"format": "initlab-sweep", "format_version": 2, "act": "leaky_relu(a = 0.2)", "activation": "leaky_relu", "param": 0.2,
///  "widths": [64, 64, 64], "depth": 2, "batch": 64, "residual": null, "input_variance": 1, "shared_weights": false,
///  "input_sha256": null, "engine": "ensemble", "seed": 0, "sigma_w_grid": "0.5:3:11", "sigma_b_grid": "0:0:1",
///  "total_cells": 11, "shard": "1/2", "initlab_version": "1.0.0+...",
///  "cells": [{"index": 0, "sigma_w": 0.5, "sigma_b": 0, "final_std": 1e-9, "first_nonfinite_layer": null,
///             "verdict": "vanishing", "final_correlation": 0.99}, ...]}
/// </code>
/// The reader treats its input as hostile: a size limit before reading, every key required with its type, no duplicate
/// keys, integers exact, and the document's own consistency (<see cref="SweepDocument.Validate"/>) checked; every
/// problem is an <see cref="InvalidDataException"/> that says what is wrong. Other keys (such as the CLI's
/// <c>config</c>) are ignored.
/// </summary>
public static class SweepJson
{
    /// <summary>The value of the "format" key.</summary>
    public const string FormatName = "initlab-sweep";

    /// <summary>The value of the "format_version" key. Version 1 (before the key existed) lacked settings a merge must compare, and is not read.</summary>
    public const int FormatVersion = 2;

    /// <summary>Documents larger than this are refused before they are read (a 100000-cell sweep is about 20 MB).</summary>
    public const long MaxBytes = 512L << 20;

    /// <summary>The whole document as JSON text.</summary>
    public static string Write(SweepDocument document) => JsonConvention.Write(w =>
    {
        w.WriteStartObject();
        WriteProperties(w, document);
        w.WriteEndObject();
    });

    /// <summary>Writes the document's keys into the current JSON object (so that a caller can add keys, e.g. a config).</summary>
    public static void WriteProperties(Utf8JsonWriter w, SweepDocument document)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(document);
        var s = document.Settings;
        w.WriteString("format", FormatName);
        w.WriteNumber("format_version", FormatVersion);
        w.WriteString("act", ActivationRegistry.Parse(s.Activation, s.ActivationParameter).ToString());
        w.WriteString("activation", s.Activation);
        JsonConvention.WriteNumberOrNull(w, "param", s.ActivationParameter);
        w.WriteStartArray("widths");
        foreach (int x in s.Widths) w.WriteNumberValue(x);
        w.WriteEndArray();
        w.WriteNumber("depth", s.Depth);
        w.WriteNumber("batch", s.Batch);
        JsonConvention.WriteNumberOrNull(w, "residual", s.Residual);
        JsonConvention.WriteNumberOrNull(w, "input_variance", s.InputVariance);
        w.WriteBoolean("shared_weights", s.SharedWeights);
        if (s.InputSha256 is { } h) w.WriteString("input_sha256", h);
        else w.WriteNull("input_sha256");
        w.WriteString("engine", s.Engine);
        w.WriteNumber("seed", s.Seed);
        w.WriteString("sigma_w_grid", s.SigmaW.ToString());
        w.WriteString("sigma_b_grid", s.SigmaB.ToString());
        w.WriteNumber("total_cells", document.TotalCells);
        w.WriteString("shard", document.Shard.ToString());
        w.WriteString("initlab_version", s.InitLabVersion);
        w.WriteStartArray("cells");
        foreach (var c in document.Cells)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Index);
            JsonConvention.WriteNumber(w, "sigma_w", c.SigmaW);
            JsonConvention.WriteNumber(w, "sigma_b", c.SigmaB);
            JsonConvention.WriteNumber(w, "final_std", c.FinalStd);
            if (c.FirstNonFiniteLayer is { } k) w.WriteNumber("first_nonfinite_layer", k);
            else w.WriteNull("first_nonfinite_layer");
            w.WriteString("verdict", c.Verdict);
            if (c.FinalCorrelation is { } r) JsonConvention.WriteNumber(w, "final_correlation", r);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>Reads a sweep document file (a regular file of at most <see cref="MaxBytes"/> bytes).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ArgumentException">The path is a directory, device or fifo.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid sweep document; the message says why.</exception>
    public static SweepDocument ReadFile(string path) => ResultDocuments.ReadFile(path, "sweep", MaxBytes, Parse, d => d.Validate());

    /// <summary>Reads a sweep document from JSON text.</summary>
    /// <exception cref="InvalidDataException">The text is not a valid sweep document; the message names <paramref name="source"/> and says why.</exception>
    public static SweepDocument Read(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Read(System.Text.Encoding.UTF8.GetBytes(text), source);
    }

    /// <summary>Reads a sweep document from UTF-8 JSON bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid sweep document; the message names <paramref name="source"/> and says why.</exception>
    public static SweepDocument Read(ReadOnlySpan<byte> utf8, string source) => ResultDocuments.Read(utf8, source, "sweep", MaxBytes, Parse, d => d.Validate());

    private static SweepDocument Parse(JsonElement root, ResultDocuments.Context context)
    {
        var o = new JsonFields(root, "the document", context);
        ResultDocuments.CheckFormat(o, FormatName, FormatVersion);
        string activation = o.String("activation");
        double? param = o.NullableNumber("param");
        var act = ActivationRegistry.Parse(activation, param);
        if (act.Name != activation) throw context.Fail($"\"activation\" '{activation}' is not a canonical name (write '{act.Name}')");
        if (o.String("act") != act.ToString()) throw context.Fail($"\"act\" is '{o.String("act")}' but activation and param describe '{act}'");
        var widths = o.Array("widths").Select((e, i) => JsonFields.Int(e, $"widths[{i}]", context)).ToArray();
        int depth = o.Int("depth");
        if (depth != widths.Length - 1) throw context.Fail($"\"depth\" is {depth} but \"widths\" lists {widths.Length - 1} layers");
        var sigmaW = ResultDocuments.Grid(o, "sigma_w_grid");
        var sigmaB = ResultDocuments.Grid(o, "sigma_b_grid");
        string? sha = o.NullableString("input_sha256");
        var settings = new SweepSettings(activation, param, sigmaW, sigmaB, widths, o.Int("batch"), o.NullableNumber("residual"),
            o.NullableNumber("input_variance"), o.Bool("shared_weights"), sha, o.String("engine"), o.UInt64("seed"), o.String("initlab_version"));
        settings.Validate();
        int total = o.Int("total_cells");
        if (total != settings.TotalCells) throw context.Fail($"\"total_cells\" is {total} but the grids have {settings.TotalCells} cells");
        var shard = Shard.Parse(o.String("shard"), "\"shard\"");
        var cellElements = o.Array("cells");
        if (cellElements.Count > total) throw context.Fail($"\"cells\" holds {cellElements.Count} cells, more than the grid's {total}");
        var cells = new List<SweepCell>(cellElements.Count);
        for (int i = 0; i < cellElements.Count; i++)
        {
            var c = new JsonFields(cellElements[i], $"cells[{i}]", context);
            int? first = c.NullableInt("first_nonfinite_layer");
            if (first is { } f && (f < 1 || f > depth)) throw context.Fail($"cells[{i}].first_nonfinite_layer is {f}, outside 1..{depth}");
            string verdict = c.String("verdict");
            if (verdict.Length == 0) throw context.Fail($"cells[{i}].verdict is empty");
            cells.Add(new SweepCell(c.Int("index"), c.Number("sigma_w"), c.Number("sigma_b"), c.Number("final_std"), first, verdict,
                c.Has("final_correlation") ? c.Number("final_correlation") : null));
        }
        return new SweepDocument(settings, shard, cells);
    }
}
