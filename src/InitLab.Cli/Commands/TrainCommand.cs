using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Initializers;
using InitLab.Networks;
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
        var o = new NetworkOptions(actRequired: false);
        var g = new GraphOptions();
        var t = new TrainingCliOptions(defaultSteps: null);
        var width = CliOptions.OptionalInt("--width", "Hidden width N (required unless --model or --spec)", min: 1);
        var depth = CliOptions.OptionalInt("--depth", "Number of hidden layers L, then a linear readout to the 10 classes (required unless --model or --spec)", min: 1);
        var init = CliOptions.Choice("--init", "Weight initializer: normal, xavier_normal, kaiming_normal, orthogonal, ... (this or --sigma-w is required)",
            Schemes.Names, canonical: SchemeOptions.CanonicalScheme);
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("train", "Train an MLP on Fashion-MNIST and compare the outcome with the lab's prediction"),
            "initlab train --act tanh --width 256 --depth 20 --sigma-w 1.5 --sigma-b 0.05 --steps 500",
            "initlab train --act relu --width 128 --depth 10 --init kaiming_normal --steps 300 --optimizer adam --json",
            "initlab train --act tanh --width 64 --depth 60 --sigma-w 3 --sigma-b 0.05 --steps 300 --train-size 5000 --test-size 1000",
            "initlab train --model cnn:depth=3,channels=16,size=28,in_channels=1,classes=0 --init kaiming_normal --steps 200");
        foreach (var option in new Option[] { o.Act, o.Param, width, depth, init, o.SigmaW, o.Gain, o.Nonlinearity, o.Mode, o.SigmaB, o.SeedOption, g.Model, g.Spec, json })
            command.Add(option);
        t.AddTo(command);
        command.SetAction(pr =>
        {
            if (g.Given(pr)) return TrainGraph(pr, ctx, o, g, t, init, json, [width, depth]);
            if (pr.GetValue(width) is null) throw new UsageException("--width is required (or --model / --spec for a network graph).");
            if (pr.GetValue(depth) is null) throw new UsageException("--depth is required (or --model / --spec for a network graph).");
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
            return Diverged(ctx, result.Loss, result.DivergedAtStep, options);
        });
        return command;
    }

    /// <summary>
    /// <c>train --model M | --spec F</c>: the graph as a classifier (<see cref="GraphClassifier"/>: its output, read out
    /// linearly unless it already has one value per class), trained like the MLP; the step-0 trace and diagnosis are the
    /// graph's (as <c>propagate --model --backward</c> reports them, for the training loss).
    /// </summary>
    private static int TrainGraph(ParseResult pr, CliContext ctx, NetworkOptions o, GraphOptions g, TrainingCliOptions t, Option<string> init,
        Option<bool> json, Option[] mlpOnly)
    {
        foreach (var option in o.MlpOnly.Concat(mlpOnly))
            if (pr.IsGiven(option))
                throw new UsageException($"{option.Name} describes the MLP lab's network; with --model or --spec the graph defines the network (e.g. --model mlp:depth=L,width=N,act=A).");
        var graph = g.Graph(pr);
        if (pr.GetValue(init) is { } scheme)
        {
            try
            {
                graph = graph.WithScheme(o.Initializer(scheme, pr));
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--init {scheme}: {CliApp.WithoutParameterSuffix(e.Message)}");
            }
        }
        var options = t.Options(pr);
        ulong seed = o.Seed(pr);
        var (source, value) = g.Source(pr);
        int steps = options.Steps;
        Resources.Check(ctx, GraphResources.Estimate(graph, options.BatchSize, backward: true).Sequential(3.0 * steps),
            new Dictionary<string, (string, string)> { ["batch"] = ("--batch", options.BatchSize.ToString(CultureInfo.InvariantCulture)), ["model"] = (source, value) },
            "training");
        var (train, test) = t.LoadData(pr);
        GraphClassifier model;
        try
        {
            model = GraphClassifier.Create(graph, train.ClassCount, seed);
            model.CheckData(train);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{source} {value}: {CliApp.WithoutParameterSuffix(e.Message)}{(e.Message.Contains("features") ? " (Fashion-MNIST images are 784 = 1 x 28 x 28 values: e.g. cnn:...,size=28,in_channels=1)" : "")}");
        }
        bool quiet = pr.GetValue(json);
        int lastDecile = 0;
        var result = Trainer.Run(model, train, test, options, seed, (step, loss) =>
        {
            int decile = (step + 1) * 10 / steps;
            if (!quiet && decile > lastDecile)
            {
                lastDecile = decile;
                ctx.Err.WriteLine(FormattableString.Invariant($"train: step {step + 1}/{steps}, loss {Json.Format(loss)}"));
            }
        });
        var run = new GraphPropagate.Run(pr.GetValue(init) ?? "default", model.Graph, result.InitialTrace, result.Diagnosis);
        if (quiet)
            ctx.Out.WriteLine(Json.Document(pr, w =>
            {
                w.WriteStartObject("prediction");
                w.WriteString("verdict", result.Diagnosis.VerdictName);
                if (result.Diagnosis.GradientVerdict is { } gv) w.WriteString("gradient_verdict", gv.ToString().ToLowerInvariant());
                else w.WriteNull("gradient_verdict");
                w.WriteString("advice", result.Diagnosis.Advice);
                w.WriteEndObject();
                WriteOptimizer(w, options);
                WriteOutcome(w, result.Loss, result.TestAccuracy, result.DivergedAtStep);
                w.WriteBoolean("readout", model.HasReadout);
                w.WriteStartObject("step0");
                GraphPropagate.WriteRun(w, run);
                w.WriteEndObject();
            }));
        else
        {
            GraphPropagate.Render(ctx, run, allNodes: false);
            RenderOutcome(ctx, result.Loss, result.TestAccuracy, test.Count, train.ClassCount);
        }
        return Diverged(ctx, result.Loss, result.DivergedAtStep, options);
    }

    private static int Diverged(CliContext ctx, IReadOnlyList<double> loss, int? divergedAt, TrainingOptions options)
    {
        if (divergedAt is not { } k) return CliApp.Ok;
        ctx.Err.WriteLine(FormattableString.Invariant(
            $"error: training diverged: the loss is {Json.Format(loss[^1])} at step {k}; lower --lr (now {Json.Format(options.Optimizer.LearningRate)})."));
        return CliApp.Failure;
    }

    private static void WriteOptimizer(Utf8JsonWriter w, TrainingOptions options)
    {
        w.WriteStartObject("optimizer");
        w.WriteString("name", options.Optimizer.Name);
        Json.Number(w, "lr", options.Optimizer.LearningRate);
        Json.Number(w, "momentum", (options.Optimizer as Optimizer.Sgd)?.Momentum);
        w.WriteEndObject();
    }

    private static void WriteOutcome(Utf8JsonWriter w, IReadOnlyList<double> losses, double? accuracy, int? divergedAt)
    {
        w.WriteStartArray("loss");
        foreach (double loss in losses) Json.Number(w, loss);
        w.WriteEndArray();
        Json.Number(w, "test_accuracy", accuracy);
        if (divergedAt is { } k) w.WriteNumber("diverged_at_step", k);
        else w.WriteNull("diverged_at_step");
    }

    private static void RenderOutcome(CliContext ctx, IReadOnlyList<double> losses, double? accuracy, int testCount, int classes)
    {
        int n = losses.Count;
        var marks = Enumerable.Range(0, 11).Select(i => i * (n - 1) / 10).Distinct();
        ctx.Out.WriteLine("loss: " + string.Join(", ", marks.Select(k => FormattableString.Invariant($"step {k}: {Json.Format(losses[k])}"))));
        if (accuracy is { } a)
            ctx.Out.WriteLine(FormattableString.Invariant($"test accuracy: {a:0.0000} on {testCount} examples (chance {1.0 / classes:0.0##})"));
    }

    /// <summary>The document's keys (design.md's train JSON), without the config that <see cref="Json.Document"/> adds.</summary>
    internal static void WriteResult(Utf8JsonWriter w, TrainingResult r, TrainingOptions options, int depth)
    {
        WritePrediction(w, r.Prediction, depth);
        WriteOptimizer(w, options);
        WriteOutcome(w, r.Loss, r.TestAccuracy, r.DivergedAtStep);
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

        RenderOutcome(ctx, r.Loss, r.TestAccuracy, testCount, classes);
    }
}
