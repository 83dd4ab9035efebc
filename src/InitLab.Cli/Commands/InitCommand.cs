using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using InitLab.Formats.Npy;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab init --scheme NAME --shape D0,D1[,..] [scheme options] [--seed N] [--dtype float32|float64] --out FILE.npy [--json]</c>:
/// fills a tensor with the scheme and writes it as a NumPy .npy file (atomically).
/// </summary>
internal static class InitCommand
{
    public static Command Create(CliContext ctx)
    {
        var scheme = new SchemeOptions();
        var shape = new Option<string>("--shape") { Description = "Dimensions, e.g. 256,128,3,3", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "float32 or float64", DefaultValueFactory = _ => "float32" };
        dtype.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (v is not ("float32" or "float64")) r.AddError($"--dtype must be float32 or float64, got '{v}'.");
        });
        var output = new Option<string>("--out") { Description = "Output .npy file", Required = true };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new Command("init", "Initialize a weight tensor with a named scheme and save it as .npy");
        scheme.AddTo(command);
        command.Add(shape);
        command.Add(dtype);
        command.Add(output);
        command.Add(seed);
        command.Add(json);
        command.SetAction(parsed =>
        {
            var init = scheme.Create(parsed);
            var dims = Shape.Parse(parsed.GetValue(shape)!);
            if (dims.Rank == 0) throw new UsageException("--shape needs at least one dimension, e.g. --shape 256,128.");
            foreach (int d in dims.Dims)
                if (d == 0) throw new UsageException($"--shape {dims} has a zero dimension; every dimension must be >= 1.");
            string path = parsed.GetValue(output)!;
            OutputPath.Check(path, "--out");
            var generator = new Generator((ulong)parsed.GetValue(seed));
            Stats stats;
            if (parsed.GetValue(dtype) == "float64")
            {
                var w = init.Create<double>(dims, generator);
                NpyFormat.Write(path, w.Data, dims);
                stats = Stats.Of(w);
            }
            else
            {
                var w = init.Create<float>(dims, generator);
                NpyFormat.Write(path, w.Data, dims);
                stats = Stats.Of(w);
            }
            double target = init.TargetStd(dims);
            if (parsed.GetValue(json))
            {
                var doc = new JsonObject
                {
                    ["scheme"] = init.Name,
                    ["shape"] = JsonNumbers.Dims(dims),
                    ["dtype"] = parsed.GetValue(dtype),
                    ["seed"] = parsed.GetValue(seed),
                    ["out"] = path,
                    ["count"] = stats.Count,
                    ["mean"] = JsonNumbers.Of(stats.Mean),
                    ["std"] = JsonNumbers.Of(stats.Std),
                    ["target_std"] = JsonNumbers.Of(target),
                    ["min"] = JsonNumbers.Of(stats.Min),
                    ["max"] = JsonNumbers.Of(stats.Max),
                };
                ctx.Out.WriteLine(doc.ToJsonString());
            }
            else
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {path}: {init.Name} {dims} {parsed.GetValue(dtype)}, mean {stats.Mean:G6}, std {stats.Std:G6} (target {target:G6}), min {stats.Min:G6}, max {stats.Max:G6}"));
            }
            return CliApp.Ok;
        });
        return command;
    }
}
