using System.CommandLine;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Spec;
using InitLab.Formats;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab models</c>: the network families with their keys and defaults and the ops of JSON specs; with a model,
/// <c>--write-spec FILE</c> writes that network as a JSON spec to start a custom graph from.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new Argument<string?>("MODEL") { Description = "A family or model FAMILY[:key=value,...] to show (default: every family)", Arity = ArgumentArity.ZeroOrOne };
        var writeSpec = CliOptions.OutputFile("--write-spec", "Write MODEL as a JSON spec (docs/graphs.md) to FILE.json (default: none)", [".json"]);
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("models", "List the network families (--model) with their keys and defaults, and the ops of JSON specs"),
            "initlab models",
            "initlab models resnet --json",
            "initlab models resnet:blocks=2,width=16,preact=true --write-spec resnet.json");
        command.Add(model);
        command.Add(writeSpec);
        command.Add(json);
        command.SetAction(pr =>
        {
            string? text = pr.GetValue(model);
            IReadOnlyList<ModelFamily> families;
            Graph? graph = null;
            try
            {
                if (text is null) families = ModelFamilies.All;
                else
                {
                    var (family, _) = ModelFamilies.Parse(text);
                    families = [family];
                    graph = ModelFamilies.Build(text);
                }
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"MODEL {text}: {CliApp.WithoutParameterSuffix(e.Message)}");
            }
            if (pr.GetValue(writeSpec) is { } path)
            {
                if (graph is null) throw new UsageException("--write-spec needs a MODEL to write, e.g. initlab models resnet --write-spec resnet.json.");
                AtomicFile.WriteAllText(path, GraphSpec.Write(graph));
            }
            if (pr.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Document(pr, w =>
                {
                    w.WriteStartArray("families");
                    foreach (var f in families)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", f.Name);
                        w.WriteString("summary", f.Summary);
                        w.WriteString("paper", f.Paper);
                        w.WriteStartArray("keys");
                        foreach (var k in f.Keys)
                        {
                            w.WriteStartObject();
                            w.WriteString("name", k.Name);
                            w.WriteString("default", k.Default);
                            w.WriteString("description", k.Description);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    if (graph is not null)
                    {
                        w.WriteString("model", graph.Name);
                        w.WriteNumber("nodes", graph.Nodes.Count);
                        w.WriteNumber("parameters", graph.ParameterCount);
                    }
                    w.WriteStartArray("ops");
                    foreach (string op in OpRegistry.Kinds) w.WriteStringValue(op);
                    w.WriteEndArray();
                }));
                return CliApp.Ok;
            }
            foreach (var f in families)
            {
                var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{f.Name}: {f.Summary}"));
                table.AddColumn("key");
                table.AddColumn("default");
                table.AddColumn("meaning");
                foreach (var k in f.Keys) table.AddRow(Markup.Escape(k.Name), Markup.Escape(k.Default), Markup.Escape(k.Description));
                ctx.Console.Write(table);
                ctx.Out.WriteLine($"  follows: {f.Paper}");
            }
            if (graph is not null) ctx.Out.WriteLine($"{graph.Name}: {graph.Nodes.Count} nodes, {graph.ParameterCount} parameters");
            else ctx.Out.WriteLine($"ops of JSON specs (--spec): {string.Join(", ", OpRegistry.Kinds)}");
            if (pr.GetValue(writeSpec) is { } written) ctx.Out.WriteLine($"wrote {written}");
            return CliApp.Ok;
        });
        return command;
    }
}
