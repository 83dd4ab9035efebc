using InitLab.Propagation;

namespace InitLab.Training;

/// <summary>
/// Trains an <see cref="MlpClassifier"/> with softmax cross-entropy on seeded mini-batches (<see cref="MiniBatches"/>)
/// and reports the outcome next to the lab's prediction. The result is a pure function of the classifier, the data, the
/// options and the seed: the same bits on any thread count (GEMM keeps its summation order, everything else runs
/// serially in a fixed order).
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="model"/> in place for <paramref name="options"/>.Steps steps (see <see cref="TrainingSession"/>)
    /// and measures the test accuracy. A non-finite loss stops training at that step
    /// (<see cref="TrainingResult.DivergedAtStep"/>); it is a result, not an error.
    /// </summary>
    /// <param name="model">The classifier, as initialized; its parameters are updated.</param>
    /// <param name="train">Training data (features matching the input width, labels matching the classes).</param>
    /// <param name="test">Test data for the final accuracy, or null.</param>
    /// <param name="options">Steps, batch size, optimizer.</param>
    /// <param name="seed">Seed of the mini-batch order (use the classifier's seed: the streams do not overlap).</param>
    /// <param name="onStep">Called after each step with (step, loss), e.g. for progress.</param>
    /// <param name="threads">Threads for the matrix products (0 = all cores, 1 = serial); the result is the same for every value.</param>
    /// <exception cref="ArgumentException">Options out of range, or data that does not fit the network.</exception>
    public static TrainingResult Run(MlpClassifier model, Dataset train, Dataset? test, TrainingOptions options, ulong seed,
        Action<int, double>? onStep = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (test is not null) model.CheckData(test);
        // The theory needs the weights as initialized: measure sigma_w before the first update.
        double sigmaW = EffectiveSigmaW(model);
        var session = new TrainingSession(model, train, options, seed, threads);
        PropagationTrace? initial = null;
        var (losses, diverged) = Loop(options.Steps, _ =>
        {
            double loss = session.Step();
            initial ??= session.LastTrace;
            return loss;
        }, onStep);
        double? accuracy = diverged is null && test is not null ? model.Accuracy(test, threads: threads) : null;
        return new TrainingResult(losses, diverged, accuracy, initial!, sigmaW) { Activation = model.Spec.Activation, SigmaB = model.Spec.SigmaB };
    }

    /// <summary>
    /// Trains a network graph as a classifier (<see cref="GraphClassifier"/>) in place: the same seeded mini-batches, loss,
    /// optimizers and divergence rule as the MLP, through the graph walk's forward and backward passes. Step k's dropout
    /// masks (if any) come from the seed SplitMix64(seed, k).
    /// </summary>
    /// <exception cref="ArgumentException">Options out of range, or data that does not fit the graph.</exception>
    public static GraphTrainingResult Run(GraphClassifier model, Dataset train, Dataset? test, TrainingOptions options, ulong seed,
        Action<int, double>? onStep = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Numerics.Guard.Threads(threads);
        model.CheckData(train);
        if (test is not null) model.CheckData(test);
        var batches = new MiniBatches(train.Count, options.BatchSize, seed);
        var parameters = model.ParameterList();
        var state = options.Optimizer.CreateState(parameters.Select(p => p.Length).ToArray());
        var indices = new int[options.BatchSize];
        var labels = new int[options.BatchSize];
        var x = new float[options.BatchSize * train.FeatureCount];
        Networks.GraphTrace? initial = null;
        var (losses, diverged) = Loop(options.Steps, step =>
        {
            batches.Batch(step, indices);
            train.Gather(indices, x, labels);
            var (loss, gradients, pass) = model.LossAndGradients(x, labels, Sweep.CellSeed(seed, step), trace: step == 0, threads);
            if (step == 0)
            {
                var first = pass.Nodes.FirstOrDefault(n => n.NonFinite > 0);
                initial = new Networks.GraphTrace(model.Graph.Name, options.BatchSize, seed, [.. pass.Nodes], first?.Name, 0);
            }
            if (gradients is not null) state.Update(parameters, gradients);
            return loss;
        }, onStep);
        double? accuracy = diverged is null && test is not null ? model.Accuracy(test, threads: threads) : null;
        return new GraphTrainingResult(losses, diverged, accuracy, initial!, Networks.GraphDiagnoser.Diagnose(model.Graph, initial!));
    }

    /// <summary>Runs <paramref name="step"/> for steps 0..K-1 until the first non-finite loss (which ends the list).</summary>
    private static (List<double> Losses, int? Diverged) Loop(int steps, Func<int, double> step, Action<int, double>? onStep)
    {
        var losses = new List<double>(steps);
        for (int k = 0; k < steps; k++)
        {
            double loss = step(k);
            losses.Add(loss);
            onStep?.Invoke(k, loss);
            if (!double.IsFinite(loss)) return (losses, k);
        }
        return (losses, null);
    }

    /// <summary>
    /// The mean-field sigma_w of the hidden layers: std * sqrt(fan_in) of layer 2 (layer 1 when L = 1). Exact for Gaussian
    /// weights; the gain for orthogonal ones (a Haar row has E[(w . x)^2] = |x|^2 / fan_in when fan_out &lt;= fan_in);
    /// for any other scheme measured from the drawn matrix (the theory depends on the weights' variance only), so it
    /// must be called before training moves the weights.
    /// </summary>
    internal static double EffectiveSigmaW(MlpClassifier model)
    {
        var widths = model.Spec.Widths;
        int layer = Math.Min(2, model.Depth);
        int fanIn = widths[layer - 1], fanOut = widths[layer];
        switch (model.Spec.Weights)
        {
            case WeightDistribution.Gaussian g:
                return g.SigmaW(fanIn, fanOut);
            case WeightDistribution.Orthogonal o:
                return o.Gain * Math.Sqrt(Math.Min(1.0, (double)fanIn / fanOut));
            default:
                double sum = 0;
                foreach (float w in model.Weights[layer - 1]) sum += (double)w * w;
                return Math.Sqrt(sum / fanOut);
        }
    }
}
