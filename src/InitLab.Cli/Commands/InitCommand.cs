using System.CommandLine;
using System.Globalization;
using InitLab.Formats.Npy;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab init --scheme NAME --shape D0,D1[,..] [scheme options] [--seed N] [--generator philox|torch]
/// [--dtype float32|float64] --out FILE.npy [--json]</c>: fills a tensor with the scheme and writes it as a NumPy .npy
/// file (atomically). With <c>--generator torch</c> the tensor is <c>torch.manual_seed(N); torch.nn.init.NAME_(torch.empty(D))</c>.
/// </summary>
internal static class InitCommand
{
    public static Command Create(CliContext ctx)
    {
        var scheme = new SchemeOptions();
        var shape = ShapeOption();
        var dtype = CliOptions.Choice("--dtype", "float32 or float64", ["float32", "float64"], defaultValue: "float32");
        var output = CliOptions.OutputFile("--out", "Output .npy file", [".npy"], required: true);
        var seed = CliOptions.Seed();
        var generator = CliOptions.Generator("torch.manual_seed(SEED); torch.nn.init.SCHEME_(torch.empty(SHAPE))");
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("init", "Initialize a weight tensor with a named scheme and save it as .npy"),
            "initlab init --scheme kaiming_normal --shape 256,128 --out w.npy",
            "initlab init --scheme trunc_normal --std 0.02 --low -0.04 --high 0.04 --shape 768,768 --seed 7 --out w.npy --json",
            "initlab init --scheme xavier_uniform --shape 3,3,64,128 --layout keras --dtype float64 --out conv.npy",
            "initlab init --scheme kaiming_uniform --shape 64,32 --generator torch --seed 0 --out w.npy");
        scheme.AddTo(command);
        command.Add(shape);
        command.Add(dtype);
        command.Add(output);
        command.Add(seed);
        command.Add(generator);
        command.Add(json);
        command.SetAction(parsed =>
        {
            var dims = parsed.GetValue(shape)!;
            bool float64 = parsed.GetValue(dtype) == "float64";
            // The tensor, the copy the .npy writer makes, and the initializer's own work space (orthogonal, sparse).
            Resources.CheckBytes(ctx, 3.0 * dims.Size * (float64 ? 8 : 4), "--shape", dims.ToString(), "the tensor");
            var init = scheme.Create(parsed);
            string path = parsed.GetValue(output)!;
            ulong s = (ulong)parsed.GetValue(seed);
            bool torch = parsed.GeneratorOf(generator) == GeneratorKind.Torch;
            Stats stats;
            if (float64)
            {
                var w = torch ? TorchTensor<double>(init, dims, s, parsed) : init.Create<double>(dims, new Generator(s));
                NpyFormat.Write(path, w.Data, dims);
                stats = Stats.Of(w);
            }
            else
            {
                var w = torch ? TorchTensor<float>(init, dims, s, parsed) : init.Create<float>(dims, new Generator(s));
                NpyFormat.Write(path, w.Data, dims);
                stats = Stats.Of(w);
            }
            double target = init.TargetStd(dims);
            if (parsed.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Document(parsed, w =>
                {
                    w.WriteString("scheme", init.Name);
                    Json.Ints(w, "shape", dims.Dims);
                    w.WriteString("dtype", parsed.GetValue(dtype));
                    w.WriteNumber("seed", parsed.GetValue(seed));
                    w.WriteString("out", path);
                    w.WriteNumber("count", stats.Count);
                    Json.Number(w, "mean", stats.Mean);
                    Json.Number(w, "std", stats.Std);
                    Json.Number(w, "target_std", target);
                    Json.Number(w, "min", stats.Min);
                    Json.Number(w, "max", stats.Max);
                }));
            }
            else
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {path}: {init.Name} {dims} {parsed.GetValue(dtype)}{(torch ? $" (PyTorch {TorchGenerator.PyTorchVersion} generator, seed {s})" : "")}, mean {stats.Mean:G6}, std {stats.Std:G6} (target {target:G6}), min {stats.Min:G6}, max {stats.Max:G6}"));
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>The tensor PyTorch's generator gives; a scheme it cannot reproduce is a usage error naming both options.</summary>
    private static DenseTensor<T> TorchTensor<T>(Initializers.Initializer init, Shape dims, ulong seed, ParseResult parsed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        try
        {
            return init.Create<T>(dims, new TorchGenerator(seed));
        }
        catch (ArgumentException e) when (e.ParamName == "generator")
        {
            throw new UsageException($"--generator torch cannot reproduce --scheme {parsed.GetValue<string>("--scheme")}: {e.Message}");
        }
    }

    /// <summary><c>--shape D0,D1,...</c>: at least one dimension, each &gt;= 1, and at most <see cref="Array.MaxLength"/> elements.</summary>
    private static Option<Shape> ShapeOption() => new("--shape")
    {
        Description = "Dimensions, e.g. 256,128,3,3 (each >= 1)",
        Required = true,
        HelpName = "D0,D1,...",
        CustomParser = r =>
        {
            string text = CliOptions.Token(r);
            Shape dims;
            try
            {
                dims = Shape.Parse(text);
            }
            catch (ArgumentException e)
            {
                r.AddError("--" + e.Message);
                return null;
            }
            if (dims.Rank == 0) r.AddError($"--shape needs at least one dimension, e.g. --shape 256,128; got '{text}'.");
            else if (dims.Dims.Contains(0)) r.AddError($"--shape {dims} has a zero dimension; every dimension must be >= 1.");
            else
            {
                double size = 1;
                foreach (int d in dims.Dims) size *= d;
                if (size > Array.MaxLength) r.AddError($"--shape {dims} has {size:0} elements, more than one array can hold ({Array.MaxLength}).");
            }
            return dims;
        },
    };
}
