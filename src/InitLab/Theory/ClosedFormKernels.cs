namespace InitLab.Theory;

/// <summary>
/// Closed-form Gaussian kernels E[f(u1) f(u2)] for zero-mean jointly Gaussian u1, u2 with variances q1, q2 and
/// correlation c; the numerical path (<see cref="GaussianExpectation"/>) is tested against them.
/// </summary>
public static class ClosedFormKernels
{
    /// <summary>
    /// relu arc-cosine kernel (Cho and Saul 2009, degree 1): E[relu(u1) relu(u2)] =
    /// sqrt(q1 q2) / (2 pi) (sqrt(1 - c^2) + (pi - arccos c) c).
    /// </summary>
    public static double Relu(double q1, double q2, double c) =>
        Math.Sqrt(q1 * q2) / (2 * Math.PI) * (Math.Sqrt(Math.Max(0, (1 - c) * (1 + c))) + (Math.PI - Math.Acos(c)) * c);

    /// <summary>Degree-0 arc-cosine kernel: E[step(u1) step(u2)] = (pi - arccos c) / (2 pi), step = relu'.</summary>
    public static double ReluDerivative(double c) => (Math.PI - Math.Acos(c)) / (2 * Math.PI);

    /// <summary>
    /// erf arcsine kernel (Williams 1997): E[erf(u1) erf(u2)] = (2 / pi) arcsin(2 c sqrt(q1 q2) / sqrt((1 + 2 q1)(1 + 2 q2))).
    /// </summary>
    public static double Erf(double q1, double q2, double c) =>
        2 / Math.PI * Math.Asin(2 * c * Math.Sqrt(q1 * q2) / Math.Sqrt((1 + 2 * q1) * (1 + 2 * q2)));

    /// <summary>
    /// E[erf'(u1) erf'(u2)] = (4 / pi) / sqrt((1 + 2 q1)(1 + 2 q2) - 4 c^2 q1 q2), erf'(x) = 2 / sqrt(pi) e^(-x^2)
    /// (a Gaussian integral of a Gaussian).
    /// </summary>
    public static double ErfDerivative(double q1, double q2, double c) =>
        4 / Math.PI / Math.Sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c * c * q1 * q2);
}
