using System.CommandLine;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Spec;

namespace InitLab.Cli;

/// <summary><c>--model FAMILY[:key=value,...]</c> and <c>--spec FILE.json</c>: a network graph instead of the MLP lab's network.</summary>
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

    public Option<bool> Nodes { get; } = CliOptions.Flag("--nodes", "With --model or --spec: list every node, not only the blocks");

    public void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Spec);
        command.Add(Nodes);
    }

    /// <summary>True when --model or --spec was given.</summary>
    public bool Given(ParseResult pr) => pr.GetValue(Model) is not null || pr.GetValue(Spec) is not null;

    /// <summary>The option and value that define the graph, for messages (<c>--model resnet:blocks=8</c>).</summary>
    public (string Option, string Value) Source(ParseResult pr) =>
        pr.GetValue(Model) is { } m ? ("--model", m) : ("--spec", pr.GetValue(Spec) ?? "");

    /// <summary>The graph of --model or --spec.</summary>
    /// <exception cref="UsageException">Both or neither given, or the model or spec is invalid (the message names the key or node).</exception>
    public Graph Graph(ParseResult pr)
    {
        string? model = pr.GetValue(Model), spec = pr.GetValue(Spec);
        if ((model is null) == (spec is null)) throw new UsageException("give exactly one of --model MODEL and --spec FILE.");
        try
        {
            return model is not null ? ModelFamilies.Build(model) : GraphSpec.Load(spec!);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{(model is not null ? "--model " + model : "--spec " + spec)}: {CliApp.WithoutParameterSuffix(e.Message)}");
        }
    }
}
