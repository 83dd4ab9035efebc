using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Initializers;
using InitLab.Propagation;
using InitLab.Training;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab train</c>: train the lab's MLP (L hidden layers and a softmax readout) on Fashion-MNIST and put the outcome
/// (loss per step, test accuracy) next to the lab's prediction (verdict, xi_c, 6 xi_c) and the step-0 gradient statistics.
/// JSON: <c>{"prediction":{..},"optimizer":{..},"loss":[..],"test_accuracy":..,"diverged_at_step":k|null,"step0":{..},
/// "config":{..}}</c>. A run whose loss becomes NaN or infinite stops at that step, prints the document and one error
/// line, and exits with code 1.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        var t = new TrainingCliOptions(defaultSteps: null);
        var width = CliOptions.OptionalInt("--width", "Hidden width N", min: 1, required: true);
        var depth = CliOptions.OptionalInt("--depth", "Number of hidden layers L (a linear readout to the 10 classes follows)", min: 1, required: true);
        var init = CliOptions.Choice("--init", "Weight initializer: normal, xavier_normal, kaiming_normal, orthogonal, ... (this or --sigma-w is required)",
            Schemes.Names, canonical: SchemeOptions.CanonicalScheme);
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("train", "Train an MLP on Fashion-MNIST and compare the outcome with the lab's prediction"),
            "initlab train --act tanh --width 256 --depth 20 --sigma-w 1.5 --sigma-b 0.05 --steps 500",
            "initlab train --act relu --width 128 --depth 10 --init kaiming_normal --steps 300 --optimizer adam --json",
            "initlab train --act tanh --width 64 --depth 60 --sigma-w 3 --sigma-b 0.05 --steps 300 --train-size 5000 --test-size 1000");
        foreach (var option in new Option[] { o.Act, o.Param, width, depth, init, o.SigmaW, o.Gain, o.Nonlinearity, o.Mode, o.SigmaB, o.SeedOption, json })
            command.Add(option);
        t.AddTo(command);
        command.SetAction(pr =>
        {
            string? scheme = pr.GetValue(init);
            double? sigmaW = pr.GetValue(o.SigmaW);
            if ((scheme is null) == (sigmaW is null)) throw new UsageException("give exactly one of --init SCHEME and --sigma-w SW.");
            if (sigmaW is not null)
                foreach (var option in new Option[] { o.Gain, o.Nonlinearity, o.Mode })
                    if (pr.IsGiven(option))
                        throw new UsageException($"{option.Name} applies to --init schemes; --sigma-w SW already fixes W ~ N(0, SW^2 / fan_in).");
            var weights = sigmaW is { } sw ? WeightDistribution.Gaussian.WithSigmaW(sw) : o.Weights(scheme!, pr);
            var activation = o.Activation(pr);
            var options = t.Options(pr);
            ulong seed = o.Seed(pr);
            int n = pr.GetValue(width)!.Value, l = pr.GetValue(depth)!.Value;
            string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
            t.CheckResources(pr, ctx, n, l, ("--width", Text(n)), ("--depth", Text(l)), "training");
            var (train, test) = t.LoadData(pr);
            var model = MlpClassifier.Create(TrainingCliOptions.Hidden(train.FeatureCount, n, l, activation, weights, pr.GetValue(o.SigmaB)), train.ClassCount, seed);

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
            if (quiet) ctx.Out.WriteLine(Json.Document(pr, w => WriteResult(w, result, options, l)));
            else Render(ctx, result, options, activation.ToString(), n, l, train.Count, test.Count, train.ClassCount);
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

    /// <summary>The document's keys (design.md's train JSON), without the config that <see cref="Json.Document"/> adds.</summary>
    internal static void WriteResult(Utf8JsonWriter w, TrainingResult r, TrainingOptions options, int depth)
    {
        WritePrediction(w, r.Prediction, depth);
        w.WriteStartObject("optimizer");
        w.WriteString("name", options.Optimizer.Name);
        Json.Number(w, "lr", options.Optimizer.LearningRate);
        Json.Number(w, "momentum", (options.Optimizer as Optimizer.Sgd)?.Momentum);
        w.WriteEndObject();
        w.WriteStartArray("loss");
        foreach (double loss in r.Loss) Json.Number(w, loss);
        w.WriteEndArray();
        Json.Number(w, "test_accuracy", r.TestAccuracy);
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
            Json.Number(w, "grad_norm", l.GradNorm);
            Json.Number(w, "weight_grad_norm", l.WeightGradNorm);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static void WritePrediction(Utf8JsonWriter w, TrainabilityPrediction p, int depth)
    {
        w.WriteStartObject("prediction");
        w.WriteString("verdict", p.VerdictName);
        w.WriteString("phase", p.PhaseName);
        Json.Number(w, "sigma_w", p.SigmaW);
        Json.Number(w, "chi1", p.Chi1);
        Json.Number(w, "xi_c", p.XiC);
        Json.Number(w, "trainable_depth", p.TrainableDepth);
        if (p.Trainable(depth) is { } ok) w.WriteBoolean("trainable", ok);
        else w.WriteNull("trainable");
        w.WriteEndObject();
    }

    private static void Render(CliContext ctx, TrainingResult r, TrainingOptions o, string activation, int width, int depth, int trainCount, int testCount, int classes)
    {
        var p = r.Prediction;
        ctx.Out.WriteLine(FormattableString.Invariant(
            $"{activation}, width {width}, depth {depth}, sigma_w {Json.Format(p.SigmaW)}, sigma_b {Json.Format(p.SigmaB)}; {o.Optimizer.Name} lr {Json.Format(o.Optimizer.LearningRate)}, batch {o.BatchSize}, {o.Steps} steps on {trainCount} examples"));
        string trainable = p.Trainable(depth) switch { true => "trainable", false => "not trainable", null => "no depth scale" };
        ctx.Out.WriteLine(FormattableString.Invariant(
            $"prediction: {p.VerdictName} signal, {p.PhaseName} phase (chi_1 {Json.Format(p.Chi1)}), xi_c {(p.XiC is { } xi ? Json.Format(xi) : "undefined")}, 6 xi_c {(p.TrainableDepth is { } d ? Json.Format(d) : "undefined")}: depth {depth} is {trainable}"));

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
        var marks = Enumerable.Range(0, 11).Select(i => i * (n - 1) / 10).Distinct();
        ctx.Out.WriteLine("loss: " + string.Join(", ", marks.Select(k => FormattableString.Invariant($"step {k}: {Json.Format(r.Loss[k])}"))));
        if (r.TestAccuracy is { } a)
            ctx.Out.WriteLine(FormattableString.Invariant($"test accuracy: {a:0.0000} on {testCount} examples (chance {1.0 / classes:0.0##})"));
    }
}
