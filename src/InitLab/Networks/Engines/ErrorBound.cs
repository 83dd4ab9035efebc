namespace InitLab.Networks;

/// <summary>
/// An op's float32 forward-error rule (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, 2002, ch. 3): from
/// its inputs, a bound on each input element's distance to its exact value, and its parameters, a first-order bound on
/// |computed - exact| for every output element, valid for any implementation that rounds each basic operation once (any
/// summation order, with or without FMA) and computes its transcendental functions within the accuracy the rule states.
/// <see cref="ReferenceComparison"/> uses it to decide whether two implementations of one network (InitLab's explicit
/// engine and ONNX Runtime) agree to float tolerance. Each op implements it in its own file.
/// </summary>
/// <remarks>
/// The typical rule: a dot product of K terms is off by at most gamma_K sum |w_i x_i| (gamma_K = K u / (1 - K u), u = 2^-24)
/// and passes its inputs' errors on as |W| e_x; an element-wise function phi is off by its own accuracy plus L e_x, L the
/// largest |phi'|.
/// </remarks>
public interface IErrorBoundRule
{
    /// <summary>Writes <see cref="ErrorBoundPass.Error"/> for every output element.</summary>
    void ErrorBound(ErrorBoundPass pass);
}

/// <summary>What an op's error rule sees: its inputs and their error bounds, its parameters and output in double, the unit roundoff.</summary>
public sealed class ErrorBoundPass
{
    private readonly double[][] _inputs;
    private readonly double[][] _inputErrors;
    private readonly double[][] _parameters;
    private double[]? _output;

    internal ErrorBoundPass(Node node, int batch, double[][] inputs, double[][] inputErrors, double[][] parameters, int threads)
    {
        Node = node;
        Batch = batch;
        _inputs = inputs;
        _inputErrors = inputErrors;
        _parameters = parameters;
        Threads = threads;
        Error = new double[batch * node.Shape.Size];
    }

    /// <summary>The float32 unit roundoff u = 2^-24.</summary>
    public const double Unit = 1.0 / (1 << 24);

    /// <summary>gamma_n = n u / (1 - n u): the relative error bound of n roundings (Higham, Lemma 3.1).</summary>
    public static double Gamma(double n) => n * Unit / (1 - n * Unit);

    /// <summary>The node.</summary>
    public Node Node { get; }

    /// <summary>The batch size B.</summary>
    public int Batch { get; }

    /// <summary>Threads the rule may use.</summary>
    public int Threads { get; }

    /// <summary>Input <paramref name="i"/> (the float values the op reads, widened).</summary>
    public double[] Input(int i) => _inputs[i];

    /// <summary>Bound on |input i - its exact value| per element (all 0 when the op reads the reference's own values).</summary>
    public double[] InputError(int i) => _inputErrors[i];

    /// <summary>Parameter <paramref name="i"/> (the float values, widened).</summary>
    public double[] Parameter(int i) => _parameters[i];

    /// <summary>The op's output on <see cref="Input"/> computed in double (the exact output to within double rounding).</summary>
    public double[] Output => _output ??= Run(_inputs, _parameters);

    /// <summary>The bound to write: |float output - exact output| per element.</summary>
    public double[] Error { get; }

    /// <summary>The op's forward pass in double on other values: the same op on |x| and |W| gives sum |w_i x_i|, on e_x and |W| gives |W| e_x.</summary>
    public double[] Run(double[][] inputs, double[][] parameters)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(parameters);
        var output = new double[Batch * Node.Shape.Size];
        var pass = new ForwardPass<double>(Node, Batch, inputs, parameters, k => parameters[k], output, Threads, keepState: false, seed: 0);
        Node.Op.Forward(pass);
        return output;
    }

    /// <summary>Element-wise absolute values.</summary>
    public static double[] Abs(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var a = new double[x.Length];
        for (int i = 0; i < x.Length; i++) a[i] = Math.Abs(x[i]);
        return a;
    }

    /// <summary>All inputs with absolute values.</summary>
    public double[][] AbsInputs() => _inputs.Select(Abs).ToArray();

    /// <summary>All parameters with absolute values.</summary>
    public double[][] AbsParameters() => _parameters.Select(Abs).ToArray();

    /// <summary>All input errors.</summary>
    public double[][] InputErrors() => _inputErrors;
}
