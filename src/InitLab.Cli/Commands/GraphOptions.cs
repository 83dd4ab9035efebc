using System.CommandLine;
using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Spec;

namespace InitLab.Cli;

/// <summary>
/// <c>--model FAMILY[:key=value,...]</c>, <c>--spec FILE.json</c> and <c>--onnx FILE.onnx</c>: a network graph instead of the MLP
/// lab's network.
/// </summary>
internal sealed class GraphOptions
{
    public Option<string?> Model { get; } = new("--model")
    {
        Description = "A network family FAMILY[:key=value,...]: mlp, cnn, resnet, transformer; replaces --width/--depth/--act (default: none; keys: initlab models)",
        HelpName = "MODEL",
        CustomParser = r =>
        {
            string text = CliOptions.Token(r);
            try
            {
                ModelFamilies.Parse(text);
            }
            catch (ArgumentException e)
            {
                r.AddError($"--model {text}: {CliApp.WithoutParameterSuffix(e.Message)}");
            }
            return text;
        },
    };

    public Option<string?> Spec { get; } = CliOptions.InputFile("--spec", "A network graph in InitLab's JSON spec format (docs/graphs.md); replaces --width/--depth/--act (default: none)");

    public Option<string?> Onnx { get; } = CliOptions.InputFile("--onnx",
        "A real model (.onnx) imported as a graph with its own weights (docs/models.md); replaces --width/--depth/--act (default: none)");

    public Option<bool> Nodes { get; } = CliOptions.Flag("--nodes", "With --model, --spec or --onnx: list every node, not only the blocks");

    public void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Spec);
        command.Add(Onnx);
        command.Add(Nodes);
    }

    /// <summary>True when --model, --spec or --onnx was given.</summary>
    public bool Given(ParseResult pr) => pr.GetValue(Model) is not null || pr.GetValue(Spec) is not null || pr.GetValue(Onnx) is not null;

    /// <summary>The option and value that define the graph, for messages (<c>--model resnet:blocks=8</c>).</summary>
    public (string Option, string Value) Source(ParseResult pr) =>
        pr.GetValue(Model) is { } m ? ("--model", m) : pr.GetValue(Onnx) is { } f ? ("--onnx", f) : ("--spec", pr.GetValue(Spec) ?? "");

    /// <summary>The graph of --model, --spec or --onnx (an ONNX model with its own weights).</summary>
    /// <exception cref="UsageException">None or several given, or the model or spec is invalid (the message names the key or node).</exception>
    public Graph Graph(ParseResult pr)
    {
        string? model = pr.GetValue(Model), spec = pr.GetValue(Spec), onnx = pr.GetValue(Onnx);
        if (new[] { model, spec, onnx }.Count(v => v is not null) != 1) throw new UsageException("give exactly one of --model MODEL, --spec FILE and --onnx FILE.");
        if (onnx is not null) return Import(pr, null, 0).Graph;
        try
        {
            return model is not null ? ModelFamilies.Build(model) : GraphSpec.Load(spec!);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{(model is not null ? "--model " + model : "--spec " + spec)}: {CliApp.WithoutParameterSuffix(e.Message)}");
        }
    }

    /// <summary>The --onnx model imported as a graph: its own weights, or re-initialized by <paramref name="scheme"/> as <c>probe --scheme</c> does.</summary>
    /// <exception cref="UsageException">The file is not ONNX.</exception>
    /// <exception cref="ArgumentException">A node the import cannot map (the message names it and its op type).</exception>
    public OnnxImport Import(ParseResult pr, Initializer? scheme, ulong seed)
    {
        string path = pr.GetValue(Onnx) ?? throw new UsageException("--onnx FILE is required.");
        var model = ReadOnnx(path, "--onnx");
        try
        {
            return scheme is null ? OnnxGraphImport.Import(model) : OnnxGraphImport.Import(model, scheme, seed);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--onnx {path}: {CliApp.WithoutParameterSuffix(e.Message)}");
        }
    }

    /// <summary>Reads an ONNX model, refusing other formats in the words of <paramref name="option"/>.</summary>
    /// <exception cref="UsageException">The file reads as another format.</exception>
    public static ModelFile ReadOnnx(string path, string option)
    {
        string format = ModelFiles.DetectFormat(path);
        if (format != ModelFormats.Onnx) throw new UsageException($"{option} '{path}' reads as {format}; it needs an ONNX model (.onnx).");
        return ModelFiles.Read(path);
    }
}
