using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Random;

namespace InitLab.Tests.Networks;

/// <summary>
/// Checks a graph's backward pass against central finite differences in double precision: loss L = sum(top ⊙ y) for a random
/// top, every parameter perturbed away from its (often constant) default so that gamma != 1 and biases != 0 are exercised.
/// </summary>
/// <remarks>
/// Tolerance: central differences have truncation error h^2 |L'''| / 6 ~ 1e-12 and rounding error eps |L| / h ~ 1e-10 |L| for
/// h = 1e-6; the check allows 1e-6 (1 + |g|), four orders above both, far below any real mistake (which is O(|g|)).
/// </remarks>
internal static class GradientCheck
{
    public const double Step = 1e-6, Tolerance = 1e-6;

    public static void Run(Graph graph, int batch = 3, ulong seed = 11, int samplesPerTensor = 24)
    {
        var g = new Generator(seed, 99);
        var parameters = NetworkParameters<double>.Draw(graph, seed);
        foreach (var p in graph.Parameters)
        {
            var v = parameters[p];
            var noise = new double[v.Length];
            g.Normal(noise, 0, 0.3);
            for (int i = 0; i < v.Length; i++) v[i] += noise[i];
        }
        var inputs = new Dictionary<string, double[]>();
        foreach (var n in graph.Inputs)
        {
            var op = (InputOp)n.Op;
            var x = new double[batch * n.Shape.Size];
            if (op.Vocab == 0) g.Normal(x);
            else for (int i = 0; i < x.Length; i++) x[i] = Math.Min(op.Vocab - 1, Math.Floor(g.NextUniform() * op.Vocab));
            inputs[n.Name] = x;
        }
        var top = new double[batch * graph.Output.Shape.Size];
        g.Normal(top);

        double Loss()
        {
            var y = ExplicitGraphEngine.Forward(graph, parameters, batch, inputs, seed).Output;
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += top[i] * y[i];
            return s;
        }

        var (grads, inputGrads) = ExplicitGraphEngine.Forward(graph, parameters, batch, inputs, seed).Backward(top);
        foreach (var p in graph.Parameters)
            Compare(parameters[p], grads[p], $"parameter {p.FullName}");
        foreach (var n in graph.Inputs.Where(n => ((InputOp)n.Op).Vocab == 0))
            Compare(inputs[n.Name], inputGrads[n.Name], $"input {n.Name}");

        void Compare(double[] values, double[] analytic, string what) =>
            FiniteDifferences.Check(values, analytic, Loss, Tolerance, Tolerance, samplesPerTensor, seed, what, Step);
    }

    /// <summary>A graph input -&gt; op (-&gt; more ops) with the input shape given.</summary>
    public static Graph Chain(int[] inputShape, params Op[] ops)
    {
        var b = new GraphBuilder("chain");
        string last = b.Input("x", new InitLab.Tensors.Shape(inputShape));
        for (int i = 0; i < ops.Length; i++) last = b.Add($"n{i}", ops[i], last);
        return b.Build();
    }
}
