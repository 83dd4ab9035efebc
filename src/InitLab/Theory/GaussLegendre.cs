namespace InitLab.Theory;

/// <summary>
/// The 20-point Gauss-Legendre rule on [-1, 1] (exact for polynomials of degree &lt;= 39), nodes found once by Newton's
/// method on the Legendre polynomial P_20 from the Tricomi initial guesses; weights w_i = 2 / ((1 - x_i^2) P_20'(x_i)^2).
/// </summary>
internal static class GaussLegendre
{
    public const int Order = 20;
    public static readonly double[] Nodes = new double[Order];
    public static readonly double[] Weights = new double[Order];

    static GaussLegendre()
    {
        for (int i = 0; i < Order; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (Order + 0.5));
            double dp = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                (double p, double d) = Legendre(x);
                dp = d;
                double dx = p / d;
                x -= dx;
                if (Math.Abs(dx) < 1e-16) break;
            }
            dp = Legendre(x).Derivative;
            Nodes[i] = x;
            Weights[i] = 2.0 / ((1 - x * x) * dp * dp);
        }
    }

    // P_n(x) by the three-term recurrence and P_n'(x) = n (x P_n - P_{n-1}) / (x^2 - 1).
    private static (double Value, double Derivative) Legendre(double x)
    {
        double p0 = 1, p1 = x;
        for (int k = 2; k <= Order; k++)
        {
            double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
            p0 = p1;
            p1 = p2;
        }
        return (p1, Order * (x * p1 - p0) / (x * x - 1));
    }

    /// <summary>
    /// The rule mapped to [a, b]: sum_i w_i (b - a)/2 g((a + b)/2 + (b - a)/2 x_i), for both components of g
    /// (a value and a non-negative size).
    /// </summary>
    public static (double Integral, double Absolute) Apply(Func<double, (double, double)> g, double a, double b)
    {
        double half = 0.5 * (b - a), mid = 0.5 * (a + b);
        double sum = 0, abs = 0;
        for (int i = 0; i < Order; i++)
        {
            var (v, s) = g(mid + half * Nodes[i]);
            sum += Weights[i] * v;
            abs += Weights[i] * s;
        }
        return (sum * half, abs * half);
    }
}
