using InitLab.Propagation;

namespace InitLab.Training;

/// <summary>
/// One training run in progress: the classifier, its data, the mini-batch order, the gradient buffers (allocated once)
/// and the optimizer state. Each <see cref="Step"/> takes the next mini-batch, computes its loss and gradients through
/// the explicit engine and, when the loss is finite, applies one optimizer update.
/// </summary>
public sealed class TrainingSession
{
    private readonly Dataset _train;
    private readonly MiniBatches _batches;
    private readonly float[][] _weightGradients, _biasGradients;
    private readonly IReadOnlyList<float[]> _parameters, _gradients;
    private readonly OptimizerState _state;
    private readonly int[] _indices, _labels;
    private readonly float[] _x;
    private readonly int _threads;

    /// <summary>
    /// Prepares training <paramref name="model"/> (updated in place) on <paramref name="train"/>, with the matrix products on
    /// <paramref name="threads"/> threads (0 = all cores, 1 = serial; the results are the same bits for every value).
    /// </summary>
    /// <exception cref="ArgumentException">Options out of range, a batch larger than the data, or data that does not fit the network.</exception>
    public TrainingSession(MlpClassifier model, Dataset train, TrainingOptions options, ulong seed, int threads = 0)
    {
        InitLab.Numerics.Guard.Threads(threads);
        _threads = threads;
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        model.CheckData(train);
        Model = model;
        Options = options;
        _train = train;
        _batches = new MiniBatches(train.Count, options.BatchSize, seed);
        _weightGradients = model.Weights.Select(w => new float[w.Length]).ToArray();
        _biasGradients = model.Biases.Select(b => new float[b.Length]).ToArray();
        var gradients = new List<float[]>(2 * _weightGradients.Length);
        for (int l = 0; l < _weightGradients.Length; l++)
        {
            gradients.Add(_weightGradients[l]);
            gradients.Add(_biasGradients[l]);
        }
        _gradients = gradients;
        _parameters = model.Parameters();
        _state = options.Optimizer.CreateState(_parameters.Select(p => p.Length).ToArray());
        _indices = new int[options.BatchSize];
        _labels = new int[options.BatchSize];
        _x = new float[options.BatchSize * train.FeatureCount];
    }

    /// <summary>The classifier being trained.</summary>
    public MlpClassifier Model { get; }

    /// <summary>The settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Steps taken so far (the next step's number).</summary>
    public int StepsTaken { get; private set; }

    private ExplicitEngine.Result<float>? _last;
    private PropagationTrace? _lastTrace;

    /// <summary>The engine's trace of the most recent step: forward statistics, gradient norms and diagnosis per hidden layer.</summary>
    public PropagationTrace? LastTrace => _lastTrace ??= _last is null ? null
        : PropagationTrace.Diagnosed(Engine.Explicit, _last.Input, _last.Layers, _last.FirstNonFinite, Model.Spec with { Batch = Options.BatchSize });

    /// <summary>
    /// One step: the loss of the next mini-batch before the update, then the update. A NaN or infinite loss leaves the
    /// parameters unchanged (the caller stops: the run has diverged).
    /// </summary>
    public double Step()
    {
        _batches.Batch(StepsTaken, _indices);
        _train.Gather(_indices, _x, _labels);
        var (loss, hidden) = MlpClassifier.LossAndGradients<float>(Model.Widths, Model.Spec.Activation, Model.Weights, Model.Biases, _x, _labels,
            _weightGradients, _biasGradients, _threads);
        // The diagnosis (a fit and, off the stable regime, a quadrature for the advice) is made only when asked for.
        (_last, _lastTrace) = (hidden, null);
        StepsTaken++;
        if (double.IsFinite(loss)) _state.Update(_parameters, _gradients);
        return loss;
    }
}
