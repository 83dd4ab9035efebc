using System.CommandLine;
using System.Globalization;
using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Networks;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab reinit FILE --scheme S [scheme options] [--seed N] [--bias rule|zeros] [--layout torch|keras] --out FILE2 [--json]</c>
/// or <c>initlab reinit MODEL.onnx --autoinit [--seed N] --out FILE2</c> (AutoInit on the model's graph, <see cref="OnnxAutoInit"/>):
/// every weight and embedding drawn afresh by the scheme (fans from each tensor's layout), biases by the framework's
/// rule (PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for torch_default, zeros otherwise) or zeros, normalization
/// scales 1, shifts and running means 0, running variances 1; other tensors kept. Tensor k draws from stream k of the
/// seed (<see cref="ModelReinit"/>), so the output depends only on the file, the scheme and the seed. Writes
/// .safetensors, .npz or .onnx (the same graph with new initializers; ONNX input only).
/// </summary>
internal static class ReinitCommand
{
    public static readonly string[] Extensions = [".safetensors", ".npz", ".onnx"];

    public static Command Create(CliContext ctx)
    {
        var file = InspectCommand.ModelArgument("The model file or folder to re-initialize (any format initlab inspect reads)");
        var scheme = new SchemeOptions(required: false, withLayout: false);
        var autoinit = CliOptions.Flag("--autoinit",
            "Instead of --scheme: AutoInit on the ONNX model's graph (every weighted layer's std chosen so the moment engine predicts std 1 at its output; as initlab autoinit --onnx)");
        var seed = CliOptions.Seed();
        var bias = CliOptions.Choice("--bias", "Biases: rule (the framework's rule for the scheme: PyTorch's for torch_default, else zeros) or zeros",
            ["rule", "zeros"], defaultValue: "rule");
        var layout = CliOptions.Choice("--layout", "Layout of tensors whose file does not state one (default: keras for TF.js, else torch)", Names.Layouts);
        var output = CliOptions.OutputFile("--out", "The re-initialized model: .safetensors, .npz or .onnx", Extensions, required: true);
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("reinit", "Re-initialize every weight of a model file with a scheme") { file },
            "initlab reinit model.safetensors --scheme kaiming_normal --out fresh.safetensors",
            "initlab reinit resnet18.onnx --scheme kaiming_normal --mode fan_out --seed 3 --out resnet18_fresh.onnx",
            "initlab reinit model.pt --scheme torch_default --out fresh.safetensors --json",
            "initlab reinit model.onnx --autoinit --seed 1 --out model_autoinit.onnx");
        scheme.AddTo(command);
        foreach (var option in new Option[] { autoinit, seed, bias, layout, output, json }) command.Add(option);
        command.SetAction(parsed =>
        {
            bool auto = parsed.GetValue(autoinit);
            if (auto == parsed.GetValue(scheme.Scheme) is not null)
                throw new UsageException(auto ? "--autoinit and --scheme are mutually exclusive: give one of them." : "give --scheme SCHEME or --autoinit.");
            if (auto) return AutoInitModel(ctx, parsed, scheme, [bias, layout], parsed.GetValue(file)!, parsed.GetValue(output)!, (ulong)parsed.GetValue(seed), parsed.GetValue(json));
            var initializer = scheme.Create(parsed);
            string path = parsed.GetValue(file)!, outPath = parsed.GetValue(output)!;
            var model = ModelFiles.Read(path);
            if (Path.GetExtension(outPath).Equals(".onnx", StringComparison.OrdinalIgnoreCase) && model.Format != ModelFormats.Onnx)
                throw new UsageException($"--out '{outPath}' is an ONNX file, but '{path}' is {model.Format}: only an ONNX model can be written back as ONNX (write .safetensors or .npz).");
            var parameters = ModelParameters.Resolve(model, ModelParameters.DefaultLayout(model, parsed.GetValue(layout)))
                .ToDictionary(p => p.Name, StringComparer.Ordinal);
            bool rule = parsed.GetValue(bias) == "rule";
            string schemeName = parsed.GetValue(scheme.Scheme)!;
            var (fresh, changes) = ModelReinit.Apply(model, initializer, (ulong)parsed.GetValue(seed),
                roleOf: t => parameters[t.Name].Role,
                biasScheme: t => rule && parameters[t.Name].LayerFans is { } fans && BiasRule.For(schemeName, fans) is var b && b.Name != "zeros" ? b : null,
                layoutOf: t => ModelParameters.LayoutOf(parameters[t.Name].Layout));
            ModelFiles.Write(outPath, fresh);
            if (parsed.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Document(parsed, w =>
                {
                    w.WriteString("format", model.Format);
                    w.WriteString("output", outPath);
                    w.WriteStartArray("tensors");
                    foreach (var c in changes)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", c.Name);
                        w.WriteString("role", ParameterRoles.JsonName(parameters[c.Name].Role));
                        w.WriteString("action", c.Action);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }));
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{model.Format} {path} -> {outPath}"));
                foreach (var c in new[] { "tensor", "shape", "role", "action" }) table.AddColumn(c);
                foreach (var c in changes)
                    table.AddRow(Markup.Escape(c.Name), Markup.Escape($"({string.Join(", ", model.Find(c.Name)!.Shape)})"),
                        ParameterRoles.JsonName(parameters[c.Name].Role), Markup.Escape(Describe(c.Action, initializer.ToString())));
                ctx.Console.Write(table);
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{changes.Count} tensors: {changes.Count(c => c.Action == "scheme")} drawn by {initializer}, {changes.Count(c => c.Action == "bias_rule")} by the bias rule, " +
                    $"{changes.Count(c => c.Action is "zeros" or "ones")} set to 0 or 1, {changes.Count(c => c.Action == "kept")} kept; seed {parsed.GetValue(seed)}."));
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>
    /// <c>--autoinit</c>: the ONNX model through the library call of <c>initlab autoinit --onnx --out</c> (<see cref="OnnxAutoInit.Run"/>,
    /// AutoInit's batch <see cref="AutoInitBatch"/>, target std 1), written as the model itself (.onnx) or its tensors.
    /// </summary>
    private static int AutoInitModel(CliContext ctx, ParseResult parsed, SchemeOptions scheme, Option[] schemeOnly, string path, string outPath, ulong seed, bool json)
    {
        if (ProbeCommand.SchemeParameters(scheme).Select(p => p.Option).Concat(schemeOnly).FirstOrDefault(parsed.IsGiven) is { } unused)
            throw new UsageException($"{unused.Name} applies only with --scheme, not with --autoinit.");
        string format = ModelFiles.DetectFormat(path);
        if (format != ModelFormats.Onnx)
            throw new UsageException($"--autoinit needs an ONNX model (a graph to initialize), but '{path}' reads as {format}, which holds tensors without a graph: use --scheme.");
        var model = ModelFiles.Read(path);
        OnnxAutoInitResult result;
        try
        {
            result = OnnxAutoInit.Run(model, new AutoInitOptions { Batch = AutoInitBatch }, seed);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--autoinit {path}: {CliApp.WithoutParameterSuffix(e.Message)}");
        }
        AutoInitCommand.WriteModel(outPath, model, result.Tensors);
        var layers = result.AutoInit.Layers;
        // An add's scales are not parameters: a residual graph whose adds AutoInit rescaled keeps unscaled adds in the file.
        int unstored = layers.Count(l => l.Scales is { } sc && sc.Any(x => x != 1));
        if (json)
        {
            ctx.Out.WriteLine(Json.Document(parsed, w =>
            {
                w.WriteString("format", model.Format);
                w.WriteString("output", outPath);
                Json.Number(w, "target_std", result.AutoInit.TargetStd);
                w.WriteStartArray("layers");
                foreach (var l in layers)
                {
                    w.WriteStartObject();
                    w.WriteString("name", l.Name);
                    w.WriteString("op", l.Op);
                    if (l.Std is { } std) Json.Number(w, "std", std);
                    else w.WriteNull("std");
                    Json.Number(w, "predicted_output_std", l.PredictedStd);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNumber("add_scales_not_stored", unstored);
            }));
            return CliApp.Ok;
        }
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"autoinit {path} -> {outPath}"));
        foreach (var c in new[] { "node", "op", "weight std / add scales", "predicted output std" }) table.AddColumn(c);
        foreach (var l in layers)
            table.AddRow(Markup.Escape(l.Name), l.Op, l.Scales is { } sc ? "scales " + string.Join(", ", sc.Select(Json.Format)) : Json.Format(l.Std!.Value), Json.Format(l.PredictedStd));
        ctx.Console.Write(table);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{layers.Count} layers chosen by AutoInit for std {Json.Format(result.AutoInit.TargetStd)} (biases 0); {result.Tensors.Count} tensors written; seed {seed}."));
        if (unstored > 0)
            ctx.Out.WriteLine($"note: {unstored} residual add(s) rescaled by AutoInit; add scales are not weights, so the written model's adds are unscaled.");
        return CliApp.Ok;
    }

    /// <summary>AutoInit's batch (batch norm's statistics in its prediction), as <c>initlab autoinit</c>'s default.</summary>
    public const int AutoInitBatch = 16;

    private static string Describe(string action, string scheme) => action switch
    {
        "scheme" => scheme,
        "bias_rule" => "U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
        _ => action,
    };
}
