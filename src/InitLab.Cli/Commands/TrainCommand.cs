using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Propagation;
using InitLab.Training;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab train</c>: train the lab's MLP (L hidden layers and a softmax readout) on Fashion-MNIST and put the outcome
/// (loss per step, test accuracy) next to the lab's prediction (verdict, xi_c, 6 xi_c) and the step-0 gradient statistics.
/// A diverging run reports the step whose loss was not finite and exits with code 1.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        var t = new TrainingCliOptions(defaultSteps: null);
        var json = CommonOptions.Json();
        var command = new Command("train", "Train an MLP on Fashion-MNIST and compare the outcome with the lab's prediction");
        foreach (var option in new Option[] { o.Width, o.Depth, o.Act, o.Param, o.Init, o.SigmaW, o.Gain, o.Nonlinearity, o.Mode, o.SigmaB, o.SeedOption, json })
            command.Add(option);
        t.AddTo(command);
        command.SetAction(pr =>
        {
            if (pr.GetResult(o.Width) is null or { Implicit: true }) throw new UsageException("--width is required.");
            if (pr.GetResult(o.Depth) is null or { Implicit: true }) throw new UsageException("--depth is required.");
            string? init = pr.GetValue(o.Init);
            double? sigmaW = pr.GetValue(o.SigmaW);
            if ((init is null) == (sigmaW is null)) throw new UsageException("give exactly one of --init SCHEME and --sigma-w SW.");
            if (init is not null && init.Contains(',')) throw new UsageException($"--init takes one scheme for training, got '{init}'.");
            var weights = sigmaW is { } sw ? WeightDistribution.Gaussian.WithSigmaW(sw) : o.Weights(init!, pr);
            var activation = o.Activation(pr);
            var options = t.Options(pr);
            ulong seed = o.Seed(pr);
            int width = pr.GetValue(o.Width), depth = pr.GetValue(o.Depth);
            // Check the network before the data is read (a bad width fails fast).
            TrainingCliOptions.Hidden(784, width, depth, activation, weights, pr.GetValue(o.SigmaB)).Validate();
            var (train, test) = t.LoadData(pr);
            if (options.BatchSize > train.Count)
                throw new UsageException($"--batch {options.BatchSize} is larger than the {train.Count} training examples.");
            var spec = TrainingCliOptions.Hidden(train.FeatureCount, width, depth, activation, weights, pr.GetValue(o.SigmaB));
            var model = MlpClassifier.Create(spec, train.ClassCount, seed);

            bool quiet = pr.GetValue(json);
            int lastDecile = 0;
            var result = Trainer.Run(model, train, test, options, seed, (step, loss) =>
            {
                int decile = (step + 1) * 10 / options.Steps;
                if (!quiet && decile > lastDecile)
                {
                    lastDecile = decile;
                    ctx.Err.WriteLine(FormattableString.Invariant($"train: step {step + 1}/{options.Steps}, loss {Json.Format(loss)}"));
                }
            });
            var config = new TrainConfig(activation.ToString(), width, depth, init, sigmaW ?? result.Prediction.SigmaW, pr.GetValue(o.SigmaB),
                options, seed, pr.GetValue(t.Data)!, train.Count, test.Count);
            if (quiet) ctx.Out.WriteLine(Json.Write(w => WriteDocument(w, config, result)));
            else Render(ctx, config, result);
            if (result.DivergedAtStep is { } k)
            {
                ctx.Err.WriteLine(FormattableString.Invariant(
                    $"error: training diverged: the loss is {Json.Format(result.Loss[^1])} at step {k}; lower --lr (now {Json.Format(options.Optimizer.LearningRate)})."));
                return CliApp.Failure;
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>The effective settings of a run, as the JSON document's config object.</summary>
    internal sealed record TrainConfig(string Activation, int Width, int Depth, string? Init, double SigmaW, double SigmaB, TrainingOptions Options,
        ulong Seed, string Data, int TrainSize, int TestSize)
    {
        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject("config");
            w.WriteString("act", Activation);
            w.WriteNumber("width", Width);
            w.WriteNumber("depth", Depth);
            if (Init is not null) w.WriteString("init", Init);
            else w.WriteNull("init");
            Json.Number(w, "sigma_w", SigmaW);
            Json.Number(w, "sigma_b", SigmaB);
            w.WriteNumber("steps", Options.Steps);
            w.WriteNumber("batch", Options.BatchSize);
            w.WriteString("optimizer", Options.Optimizer.Name);
            Json.Number(w, "lr", Options.Optimizer.LearningRate);
            if (Options.Optimizer is Optimizer.Sgd sgd) Json.Number(w, "momentum", sgd.Momentum);
            else w.WriteNull("momentum");
            w.WriteString("data", Data);
            w.WriteNumber("train_size", TrainSize);
            w.WriteNumber("test_size", TestSize);
            w.WriteNumber("seed", Seed);
            w.WriteString("version", typeof(Trainer).Assembly.GetName().Version?.ToString() ?? "unknown");
            w.WriteEndObject();
        }
    }

    internal static void WriteDocument(Utf8JsonWriter w, TrainConfig config, TrainingResult r)
    {
        w.WriteStartObject();
        config.Write(w);
        WritePrediction(w, r.Prediction, config.Depth);
        w.WriteStartArray("loss");
        foreach (double l in r.Loss) Json.Number(w, l);
        w.WriteEndArray();
        if (r.TestAccuracy is { } a) Json.Number(w, "test_accuracy", a);
        else w.WriteNull("test_accuracy");
        if (r.DivergedAtStep is { } k) w.WriteNumber("diverged_at_step", k);
        else w.WriteNull("diverged_at_step");
        w.WriteStartObject("step0");
        Json.Number(w, "gradient_growth_per_layer", r.GradientGrowthPerLayer);
        w.WriteStartArray("layers");
        foreach (var l in r.InitialTrace.Layers)
        {
            w.WriteStartObject();
            w.WriteNumber("layer", l.Layer);
            Json.Number(w, "std", l.Std);
            Json.Number(w, "pre_std", l.Pre.Std);
            if (l.GradNorm is { } g) Json.Number(w, "grad_norm", g);
            else w.WriteNull("grad_norm");
            if (l.WeightGradNorm is { } gw) Json.Number(w, "weight_grad_norm", gw);
            else w.WriteNull("weight_grad_norm");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static void WritePrediction(Utf8JsonWriter w, TrainabilityPrediction p, int depth)
    {
        w.WriteStartObject("prediction");
        w.WriteString("verdict", p.VerdictName);
        w.WriteString("phase", p.PhaseName);
        Json.Number(w, "chi1", p.Chi1);
        if (p.XiC is { } xi) Json.Number(w, "xi_c", xi);
        else w.WriteNull("xi_c");
        if (p.TrainableDepth is { } d) Json.Number(w, "trainable_depth", d);
        else w.WriteNull("trainable_depth");
        if (p.Trainable(depth) is { } ok) w.WriteBoolean("trainable", ok);
        else w.WriteNull("trainable");
        w.WriteEndObject();
    }

    private static void Render(CliContext ctx, TrainConfig c, TrainingResult r)
    {
        var p = r.Prediction;
        var o = c.Options;
        ctx.Out.WriteLine(FormattableString.Invariant(
            $"{c.Activation}, width {c.Width}, depth {c.Depth}, sigma_w {Json.Format(c.SigmaW)}{(c.Init is null ? "" : $" ({c.Init})")}, sigma_b {Json.Format(c.SigmaB)}; {o.Optimizer.Name} lr {Json.Format(o.Optimizer.LearningRate)}, batch {o.BatchSize}, {o.Steps} steps on {c.TrainSize} examples"));
        string trainable = p.Trainable(c.Depth) switch { true => "trainable", false => "not trainable", null => "no depth scale" };
        ctx.Out.WriteLine(FormattableString.Invariant(
            $"prediction: {p.VerdictName} signal, {p.PhaseName} phase (chi_1 {Json.Format(p.Chi1)}), xi_c {(p.XiC is { } xi ? Json.Format(xi) : "undefined")}, 6 xi_c {(p.TrainableDepth is { } d ? Json.Format(d) : "undefined")}: depth {c.Depth} is {trainable}"));

        var table = new Table().Border(TableBorder.Rounded).Title("step 0: signal and gradients per hidden layer");
        foreach (var col in new[] { "layer", "std", "grad norm", "weight grad norm" }) table.AddColumn(new TableColumn(col).RightAligned());
        int every = Math.Max(1, (int)Math.Ceiling(r.InitialTrace.Layers.Count / 20.0));
        foreach (var l in r.InitialTrace.Layers)
        {
            if (l.Layer != 1 && l.Layer != r.InitialTrace.Layers.Count && l.Layer % every != 0) continue;
            table.AddRow(l.Layer.ToString(CultureInfo.InvariantCulture), Json.Format(l.Std),
                l.GradNorm is { } g ? Json.Format(g) : "", l.WeightGradNorm is { } gw ? Json.Format(gw) : "");
        }
        ctx.Console.Write(table);
        ctx.Out.WriteLine(FormattableString.Invariant($"gradient norm x{Json.Format(r.GradientGrowthPerLayer)} per layer towards the input"));

        int n = r.Loss.Count;
        var marks = Enumerable.Range(0, 11).Select(i => Math.Min(n - 1, i * (n - 1) / 10)).Distinct();
        ctx.Out.WriteLine("loss: " + string.Join(", ", marks.Select(k => FormattableString.Invariant($"step {k}: {Json.Format(r.Loss[k])}"))));
        if (r.DivergedAtStep is null)
            ctx.Out.WriteLine(FormattableString.Invariant($"test accuracy: {r.TestAccuracy:0.0000} on {c.TestSize} examples (chance {1.0 / 10:0.0})"));
    }
}
