using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

/// <summary>A law written out in the test from the papers' and PyTorch's formulas, independent of the library's own.</summary>
internal abstract record HandLaw
{
    public abstract double Mean { get; }
    public abstract double Std { get; }
    public abstract double Low { get; }
    public abstract double High { get; }
    public abstract double Cdf(double x);

    /// <summary>Large-sample standard error of the unbiased sample std: s sqrt((kurtosis - 1) / (4 n)).</summary>
    public abstract double StdStandardError(long n);

    public sealed record Uniform(double A, double B) : HandLaw
    {
        public override double Mean => (A + B) / 2;
        public override double Std => (B - A) / Math.Sqrt(12);
        public override double Low => A;
        public override double High => B;
        public override double Cdf(double x) => x <= A ? 0 : x >= B ? 1 : (x - A) / (B - A);
        public override double StdStandardError(long n) => Std * Math.Sqrt((1.8 - 1) / (4.0 * n)); // kurtosis 9/5
    }

    public sealed record Normal(double Mu, double Sigma) : HandLaw
    {
        public override double Mean => Mu;
        public override double Std => Sigma;
        public override double Low => double.NegativeInfinity;
        public override double High => double.PositiveInfinity;
        public override double Cdf(double x) => HandMath.Phi((x - Mu) / Sigma);
        public override double StdStandardError(long n) => Sigma / Math.Sqrt(2.0 * n); // kurtosis 3
    }

    /// <summary>N(mu, sigma^2) truncated to [a, b]; moments by quadrature of the density.</summary>
    public sealed record Truncated(double Mu, double Sigma, double A, double B) : HandLaw
    {
        private (double Mean, double Var, double Mu4) Moments()
        {
            const int steps = 4000;
            double h = (B - A) / steps, m0 = 0, m1 = 0;
            var w = new double[steps + 1];
            for (int i = 0; i <= steps; i++)
            {
                double t = A + i * h, z = (t - Mu) / Sigma;
                w[i] = (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2) * Math.Exp(-z * z / 2);
                m0 += w[i];
                m1 += w[i] * t;
            }
            double mean = m1 / m0, v = 0, q = 0;
            for (int i = 0; i <= steps; i++)
            {
                double d = A + i * h - mean;
                v += w[i] * d * d;
                q += w[i] * d * d * d * d;
            }
            return (mean, v / m0, q / m0);
        }

        public override double Mean => Moments().Mean;
        public override double Std => Math.Sqrt(Moments().Var);
        public override double Low => A;
        public override double High => B;
        public override double Cdf(double x) =>
            x <= A ? 0 : x >= B ? 1 : (HandMath.Phi((x - Mu) / Sigma) - HandMath.Phi((A - Mu) / Sigma)) / (HandMath.Phi((B - Mu) / Sigma) - HandMath.Phi((A - Mu) / Sigma));
        public override double StdStandardError(long n)
        {
            var (_, v, mu4) = Moments();
            return Math.Sqrt((mu4 - v * v) / n) / (2 * Math.Sqrt(v));
        }
    }

    public sealed record Constant(double Value) : HandLaw
    {
        public override double Mean => Value;
        public override double Std => 0;
        public override double Low => Value;
        public override double High => Value;
        public override double Cdf(double x) => x >= Value ? 1 : 0;
        public override double StdStandardError(long n) => 0;
    }
}

internal static class HandMath
{
    /// <summary>
    /// The standard normal CDF from erfc by its continued fraction (|z| large) or Taylor series of erf (|z| small),
    /// written for the tests so that they do not lean on the library's special functions; relative error below 1e-13.
    /// </summary>
    public static double Phi(double z)
    {
        double x = Math.Abs(z) / Math.Sqrt(2);
        double erfc;
        if (x < 2.5)
        {
            // erf(x) = 2 / sqrt(pi) sum_k (-1)^k x^(2k+1) / (k! (2k + 1))
            double term = x, sum = x;
            for (int k = 1; k < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); k++)
            {
                term *= -x * x / k;
                sum += term / (2 * k + 1);
            }
            erfc = 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(x) = exp(-x^2) / sqrt(pi) * 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...))))), evaluated bottom-up.
            double f = x;
            for (int k = 60; k >= 1; k--) f = x + k / 2.0 / f;
            erfc = Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
        }
        return z >= 0 ? 1 - erfc / 2 : erfc / 2;
    }

    /// <summary>PyTorch's fans for [out, in, *kernel]: fan_in = in * rf, fan_out = out * rf, rf = product of the kernel dims.</summary>
    public static (double In, double Out) TorchFans(int[] s)
    {
        double rf = 1;
        for (int i = 2; i < s.Length; i++) rf *= s[i];
        return (s[1] * rf, s[0] * rf);
    }

    /// <summary>Keras's fans for [*kernel, in, out].</summary>
    public static (double In, double Out) KerasFans(int[] s)
    {
        double rf = 1;
        for (int i = 0; i < s.Length - 2; i++) rf *= s[i];
        return (s[^2] * rf, s[^1] * rf);
    }

    /// <summary>JAX's variance_scaling fans with in_axis = -1, out_axis = 0: rf = product of the other axes.</summary>
    public static (double In, double Out) JaxFansInLastOutFirst(int[] s)
    {
        double rf = 1;
        for (int i = 1; i < s.Length - 1; i++) rf *= s[i];
        return (s[^1] * rf, s[0] * rf);
    }

    /// <summary>Std of N(0, 1) truncated to (-2, 2), as the constant in JAX's initializers.py.</summary>
    public const double TruncatedStdAtTwo = 0.87962566103423978;

    /// <summary>Keras/JAX truncated variance scaling: sigma = target / 0.8796..., truncated to +-2 sigma.</summary>
    public static HandLaw TruncatedWithStd(double target)
    {
        double sigma = target / TruncatedStdAtTwo;
        return new HandLaw.Truncated(0, sigma, -2 * sigma, 2 * sigma);
    }
}

/// <summary>The table the distribution tests expand: every initializer with i.i.d. elements, its law by hand, and the shapes.</summary>
internal static class InitializerCases
{
    private static readonly double Sqrt2 = Math.Sqrt(2);

    public static readonly (string Label, Func<Initializer> Create, Func<int[], HandLaw> Law)[] IidSchemes =
    [
        ("uniform(-0.5, 2)", () => Init.Uniform(-0.5, 2), _ => new HandLaw.Uniform(-0.5, 2)),
        ("normal(0.3, 0.7)", () => Init.Normal(0.3, 0.7), _ => new HandLaw.Normal(0.3, 0.7)),
        ("trunc_normal(0, 1, -2, 2)", () => Init.TruncNormal(), _ => new HandLaw.Truncated(0, 1, -2, 2)),
        ("trunc_normal(1, 2, 0, 3) asymmetric", () => Init.TruncNormal(1, 2, 0, 3), _ => new HandLaw.Truncated(1, 2, 0, 3)),
        // Bounds in stds: [mean - 1 std, mean + 3 std] = [0.4, 0.8].
        ("trunc_normal in stds (0.5, 0.1, -1, 3)", () => Init.TruncNormalInStds(0.5, 0.1, -1, 3), _ => new HandLaw.Truncated(0.5, 0.1, 0.4, 0.8)),
        ("constant(0.25)", () => Init.Constant(0.25), _ => new HandLaw.Constant(0.25)),
        // Glorot & Bengio (2010) eq. 16 as torch.nn.init.xavier_uniform_: b = gain sqrt(6 / (fan_in + fan_out)).
        ("xavier_uniform(gain 2)", () => Init.XavierUniform(2), s =>
        {
            var (i, o) = HandMath.TorchFans(s);
            double b = 2 * Math.Sqrt(6 / (i + o));
            return new HandLaw.Uniform(-b, b);
        }),
        ("xavier_normal", () => Init.XavierNormal(), s =>
        {
            var (i, o) = HandMath.TorchFans(s);
            return new HandLaw.Normal(0, Math.Sqrt(2 / (i + o)));
        }),
        // He et al. (2015) as kaiming_uniform_(a = 0, fan_in, leaky_relu): gain = sqrt(2 / (1 + a^2)) = sqrt(2), b = gain sqrt(3 / fan_in).
        ("kaiming_uniform", () => Init.KaimingUniform(), s =>
        {
            double b = Sqrt2 * Math.Sqrt(3 / HandMath.TorchFans(s).In);
            return new HandLaw.Uniform(-b, b);
        }),
        ("kaiming_normal(fan_out, relu)", () => Init.KaimingNormal(0, FanMode.FanOut, "relu"), s => new HandLaw.Normal(0, Sqrt2 / Math.Sqrt(HandMath.TorchFans(s).Out))),
        // calculate_gain('tanh') = 5/3 (the parameter a is ignored for tanh), fans in the Keras layout.
        ("he_normal(a 0.2, tanh, keras)", () => Init.HeNormal(0.2, FanMode.FanIn, "tanh", FanLayout.Keras),
            s => new HandLaw.Normal(0, 5.0 / 3.0 / Math.Sqrt(HandMath.KerasFans(s).In))),
        ("kaiming_uniform(a 0.5, fan_in, leaky_relu)", () => Init.KaimingUniform(0.5), s =>
        {
            double b = Math.Sqrt(2 / (1 + 0.25)) * Math.Sqrt(3 / HandMath.TorchFans(s).In);
            return new HandLaw.Uniform(-b, b);
        }),
        // LeCun (1998) in Keras/JAX: uniform with b = sqrt(3 / fan_in); normal truncated at +-2 sigma with std 1 / sqrt(fan_in) after truncation.
        ("lecun_uniform", () => Init.LecunUniform(), s =>
        {
            double b = Math.Sqrt(3 / HandMath.TorchFans(s).In);
            return new HandLaw.Uniform(-b, b);
        }),
        ("lecun_normal", () => Init.LecunNormal(), s => HandMath.TruncatedWithStd(1 / Math.Sqrt(HandMath.TorchFans(s).In))),
        // nn.Linear's reset_parameters: kaiming_uniform_(a = sqrt(5)) = U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)).
        ("torch_default", () => Init.TorchDefault(), s =>
        {
            double b = 1 / Math.Sqrt(HandMath.TorchFans(s).In);
            return new HandLaw.Uniform(-b, b);
        }),
        ("variance_scaling(2, fan_out, normal)", () => Init.VarianceScaling(2, FanMode.FanOut, VarianceDistribution.Normal),
            s => new HandLaw.Normal(0, Math.Sqrt(2 / HandMath.TorchFans(s).Out))),
        ("variance_scaling(0.5, fan_avg, truncated_normal)", () => Init.VarianceScaling(0.5, FanMode.FanAvg, VarianceDistribution.TruncatedNormal), s =>
        {
            var (i, o) = HandMath.TorchFans(s);
            return HandMath.TruncatedWithStd(Math.Sqrt(0.5 / ((i + o) / 2)));
        }),
        ("variance_scaling(1.5, fan_avg, normal, in axis -1, out axis 0)", () => VarianceScaling.WithAxes(1.5, FanMode.FanAvg, VarianceDistribution.Normal, [-1], [0]), s =>
        {
            var (i, o) = HandMath.JaxFansInLastOutFirst(s);
            return new HandLaw.Normal(0, Math.Sqrt(1.5 / ((i + o) / 2)));
        }),
        // Uniform variance scaling: b = sqrt(3 scale / fan) (a uniform on [-b, b] has variance b^2 / 3).
        ("variance_scaling(3, fan_in, uniform, keras)", () => Init.VarianceScaling(3, FanMode.FanIn, VarianceDistribution.Uniform, FanLayout.Keras), s =>
        {
            double b = Math.Sqrt(3 * 3 / HandMath.KerasFans(s).In);
            return new HandLaw.Uniform(-b, b);
        }),
    ];

    public static readonly int[][] Shapes =
    [
        [240, 60],        // tall
        [60, 240],        // wide
        [120, 120],       // square
        [32, 16, 5],      // conv1d
        [32, 16, 3, 3],   // conv2d
        [8, 4, 3, 3, 3],  // conv3d
    ];

    public static Shape ShapeOf(int index) => new(Shapes[index]);
}
