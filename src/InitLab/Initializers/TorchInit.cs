using System.Numerics;
using System.Runtime.InteropServices;
using InitLab.LinearAlgebra;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// <c>torch.nn.init</c> of PyTorch 1.13 on a <see cref="TorchGenerator"/>: each function takes PyTorch's arguments,
/// computes its bounds and stds with PyTorch's formulas in the same double-precision steps, and draws the same
/// numbers in the same order, so <c>torch.manual_seed(s); torch.nn.init.kaiming_uniform_(w)</c> and
/// <c>TorchInit.KaimingUniform(w, shape, new TorchGenerator(s))</c> give the same bits (float32 and float64 tensors;
/// orthogonal to float rounding, see <see cref="Orthogonal{T}"/>). Tensors are contiguous, row-major, PyTorch layout
/// (out, in, *kernel).
/// </summary>
public static class TorchInit
{
    /// <summary><c>uniform_(tensor, a, b)</c>: U[a, b) as <see cref="TorchGenerator.Uniform(Span{float}, double, double)"/>.</summary>
    /// <exception cref="ArgumentException">T is not float or double, or a and b are not a valid range (a &lt;= b, finite).</exception>
    public static void Uniform<T>(Span<T> tensor, TorchGenerator generator, double a = 0, double b = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (typeof(T) == typeof(float)) generator.Uniform(MemoryMarshal.Cast<T, float>(tensor), a, b);
        else if (typeof(T) == typeof(double)) generator.Uniform(MemoryMarshal.Cast<T, double>(tensor), a, b);
        else throw UnsupportedType<T>();
    }

    /// <summary><c>normal_(tensor, mean, std)</c>: N(mean, std^2) as <see cref="TorchGenerator.Normal(Span{float}, double, double)"/>.</summary>
    /// <exception cref="ArgumentException">T is not float or double, mean is not finite, or std is negative or not finite.</exception>
    public static void Normal<T>(Span<T> tensor, TorchGenerator generator, double mean = 0, double std = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (typeof(T) == typeof(float)) generator.Normal(MemoryMarshal.Cast<T, float>(tensor), mean, std);
        else if (typeof(T) == typeof(double)) generator.Normal(MemoryMarshal.Cast<T, double>(tensor), mean, std);
        else throw UnsupportedType<T>();
    }

    /// <summary>
    /// <c>trunc_normal_(tensor, mean, std, a, b)</c> as PyTorch 1.13 samples it, by the inverse CDF with clamping:
    /// l = Phi((a - mean) / std), u = Phi((b - mean) / std) with Phi(x) = (1 + erf(x / sqrt 2)) / 2 in double;
    /// uniform_(2l - 1, 2u - 1); erfinv_; times std sqrt 2; plus mean; clamped to [a, b], each step in the tensor's type.
    /// (PyTorch 2.12 replaced this by rejection sampling, which gives other numbers.)
    /// </summary>
    /// <exception cref="ArgumentException">T is not float or double; mean or std is not finite; std &lt;= 0; a is NaN or +inf, b is NaN or -inf; a &gt; b.</exception>
    public static void TruncNormal<T>(Span<T> tensor, TorchGenerator generator, double mean = 0, double std = 1, double a = -2, double b = 2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(generator);
        Guard.Finite(mean);
        Guard.Positive(std);
        // a = -inf or b = +inf is a one-sided interval, as in PyTorch (norm_cdf(-inf) = 0, norm_cdf(inf) = 1).
        if (double.IsNaN(a) || double.IsPositiveInfinity(a)) throw new ArgumentException($"a must be a number or -infinity, got {Guard.Fmt(a)}.", nameof(a));
        if (double.IsNaN(b) || double.IsNegativeInfinity(b)) throw new ArgumentException($"b must be a number or +infinity, got {Guard.Fmt(b)}.", nameof(b));
        if (!(a <= b)) throw new ArgumentException($"a must be <= b, got a = {Guard.Fmt(a)} and b = {Guard.Fmt(b)}.", nameof(a));
        double l = NormCdf((a - mean) / std), u = NormCdf((b - mean) / std);
        double scale = std * Math.Sqrt(2.0);
        if (typeof(T) == typeof(float))
        {
            var x = MemoryMarshal.Cast<T, float>(tensor);
            generator.Uniform(x, 2 * l - 1, 2 * u - 1);
            float s = (float)scale, m = (float)mean, lo = (float)a, hi = (float)b;
            for (int i = 0; i < x.Length; i++) x[i] = Clamp(generator.Erfinv(x[i]) * s + m, lo, hi);
        }
        else if (typeof(T) == typeof(double))
        {
            var x = MemoryMarshal.Cast<T, double>(tensor);
            generator.Uniform(x, 2 * l - 1, 2 * u - 1);
            for (int i = 0; i < x.Length; i++) x[i] = Clamp(generator.Erfinv(x[i]) * scale + mean, a, b);
        }
        else throw UnsupportedType<T>();
    }

    /// <summary>
    /// <c>xavier_uniform_(tensor, gain)</c> (Glorot and Bengio 2010): std = gain sqrt(2 / (fan_in + fan_out)),
    /// U(-sqrt(3) std, sqrt(3) std).
    /// </summary>
    /// <exception cref="ArgumentException">T is not float or double; rank &lt; 2; tensor.Length != shape.Size; gain is not finite.</exception>
    public static void XavierUniform<T>(Span<T> tensor, Shape shape, TorchGenerator generator, double gain = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bound = Math.Sqrt(3.0) * XavierStd(tensor.Length, shape, gain);
        Uniform(tensor, generator, -bound, bound);
    }

    /// <summary><c>xavier_normal_(tensor, gain)</c>: N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out)).</summary>
    /// <exception cref="ArgumentException">As <see cref="XavierUniform{T}"/>.</exception>
    public static void XavierNormal<T>(Span<T> tensor, Shape shape, TorchGenerator generator, double gain = 1) where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal(tensor, generator, 0, XavierStd(tensor.Length, shape, gain));

    /// <summary>
    /// <c>kaiming_uniform_(tensor, a, mode, nonlinearity)</c> (He et al. 2015): std = gain / sqrt(fan),
    /// U(-sqrt(3) std, sqrt(3) std), gain = <see cref="CalculateGain"/>(nonlinearity, a). A tensor with a zero dimension
    /// is left as it is and draws nothing, as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException">T is not float or double; rank &lt; 2; mode is fan_avg; an unknown nonlinearity.</exception>
    public static void KaimingUniform<T>(Span<T> tensor, Shape shape, TorchGenerator generator, double a = 0, FanMode mode = FanMode.FanIn,
        string nonlinearity = "leaky_relu") where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (KaimingStd(tensor.Length, shape, a, mode, nonlinearity) is not { } std) return;
        double bound = Math.Sqrt(3.0) * std;
        Uniform(tensor, generator, -bound, bound);
    }

    /// <summary><c>kaiming_normal_(tensor, a, mode, nonlinearity)</c>: N(0, std^2), std = gain / sqrt(fan).</summary>
    /// <exception cref="ArgumentException">As <see cref="KaimingUniform{T}"/>.</exception>
    public static void KaimingNormal<T>(Span<T> tensor, Shape shape, TorchGenerator generator, double a = 0, FanMode mode = FanMode.FanIn,
        string nonlinearity = "leaky_relu") where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (KaimingStd(tensor.Length, shape, a, mode, nonlinearity) is not { } std) return;
        Normal(tensor, generator, 0, std);
    }

    /// <summary>
    /// <c>orthogonal_(tensor, gain)</c> (Saxe et al. 2014): the tensor viewed as (rows, cols) = (shape[0], rest) is filled
    /// with normal_(0, 1) (the same bits as PyTorch), transposed when rows &lt; cols, factored A = QR, Q multiplied by
    /// sign(diag R), transposed back and multiplied by gain. PyTorch factors with LAPACK in the tensor's type; this runs
    /// Householder QR in double and rounds once, so a float32 result agrees with PyTorch's to LAPACK's float rounding
    /// (about n 2^-24 relative, measured in the tests), not bit for bit. An empty tensor draws nothing.
    /// </summary>
    /// <exception cref="ArgumentException">T is not float or double; rank &lt; 2; gain is not finite.</exception>
    public static void Orthogonal<T>(Span<T> tensor, Shape shape, TorchGenerator generator, double gain = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(tensor.Length, shape, 2, "orthogonal_");
        Guard.Finite(gain);
        ArgumentNullException.ThrowIfNull(generator);
        if (tensor.IsEmpty) return;
        int rows = shape[0], cols = (int)(shape.Size / rows);
        Normal(tensor, generator, 0, 1);
        var a = new double[tensor.Length];
        bool wide = rows < cols;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                a[wide ? j * rows + i : i * cols + j] = double.CreateTruncating(tensor[i * cols + j]);
        double[] q = wide ? HouseholderQr.SignFixedQ(a, cols, rows) : HouseholderQr.SignFixedQ(a, rows, cols);
        T g = T.CreateTruncating(gain);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                tensor[i * cols + j] = T.CreateTruncating(wide ? q[j * rows + i] : q[i * cols + j]) * g;
    }

    /// <summary>
    /// <c>sparse_(tensor, sparsity, std)</c> (Martens 2010) on a 2-D tensor: normal_(0, std) on the whole tensor, then for
    /// each column c, <c>torch.randperm(rows)</c> and the first ceil(sparsity rows) of its indices set to 0 in column c
    /// (one permutation per column even when no element is zeroed, as in PyTorch).
    /// </summary>
    /// <exception cref="ArgumentException">T is not float or double; the rank is not 2; sparsity is outside [0, 1]; std is negative or not finite.</exception>
    public static void Sparse<T>(Span<T> tensor, Shape shape, TorchGenerator generator, double sparsity, double std = 0.01) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(tensor.Length, shape, 2, "sparse_");
        if (shape.Rank != 2) throw new ArgumentException($"sparse_ needs a 2-D tensor, got shape {shape}.", nameof(shape));
        if (!(sparsity >= 0 && sparsity <= 1)) throw new ArgumentException($"sparsity must be in [0, 1], got {Guard.Fmt(sparsity)}.", nameof(sparsity));
        int rows = shape[0], cols = shape[1];
        int zeros = (int)Math.Ceiling(sparsity * rows);
        Normal(tensor, generator, 0, std);
        for (int c = 0; c < cols; c++)
        {
            long[] perm = generator.RandPerm(rows);
            for (int k = 0; k < zeros; k++) tensor[(int)perm[k] * cols + c] = T.Zero;
        }
    }

    /// <summary>
    /// The default initialization of <c>nn.Linear</c> and <c>nn.ConvNd</c> (their <c>reset_parameters</c>):
    /// kaiming_uniform_(weight, a = sqrt 5), i.e. U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)) up to rounding, then, when a bias
    /// is given, uniform_(bias, -bound, bound) with bound = 1 / sqrt(fan_in) (Linear: 0 when fan_in = 0; ConvNd, rank 3 or
    /// more: the bias is left alone when fan_in = 0).
    /// </summary>
    /// <param name="weight">The weight, (out, in) for Linear or (out, in / groups, *kernel) for ConvNd.</param>
    /// <param name="weightShape">The weight's shape.</param>
    /// <param name="bias">The bias (out elements), or an empty span for a layer without bias.</param>
    /// <param name="generator">The generator.</param>
    /// <exception cref="ArgumentException">T is not float or double; the weight's rank is below 2; a length does not match.</exception>
    public static void ResetParameters<T>(Span<T> weight, Shape weightShape, Span<T> bias, TorchGenerator generator) where T : unmanaged, IFloatingPointIeee754<T>
    {
        KaimingUniform(weight, weightShape, generator, a: Math.Sqrt(5));
        if (bias.IsEmpty) return;
        if (bias.Length != weightShape[0])
            throw new ArgumentException($"bias has {bias.Length} elements but the weight {weightShape} has {weightShape[0]} outputs.", nameof(bias));
        long fanIn = Fans.Of(weightShape).FanIn;
        if (fanIn == 0 && weightShape.Rank > 2) return;
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        Uniform(bias, generator, -bound, bound);
    }

    /// <summary>
    /// <c>calculate_gain(nonlinearity, param)</c> in Python's arithmetic: 1 for linear, conv*, conv_transpose* and sigmoid
    /// (and identity), 5/3 for tanh, sqrt 2 for relu, sqrt(2 / (1 + slope ** 2)) for leaky_relu (slope = param, default
    /// 0.01, squared with pow as Python does), 3/4 for selu.
    /// </summary>
    /// <exception cref="ArgumentException">A nonlinearity outside that table, or a non-finite param.</exception>
    public static double CalculateGain(string nonlinearity, double? param = null)
    {
        ArgumentNullException.ThrowIfNull(nonlinearity);
        if (nonlinearity.Trim().Equals("leaky_relu", StringComparison.OrdinalIgnoreCase))
        {
            double slope = param ?? 0.01;
            Guard.Finite(slope, "param");
            return Math.Sqrt(2.0 / (1 + Math.Pow(slope, 2)));
        }
        return Gain.Recommended(nonlinearity, param);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /// <summary>The standard normal CDF as trunc_normal_ computes it: (1 + erf(x / sqrt 2)) / 2 with glibc's erf.</summary>
    private static double NormCdf(double x) => (1.0 + Fdlibm.Erf(x / Math.Sqrt(2.0))) / 2.0;

    /// <summary>clamp_(min, max) as std::min(std::max(x, min), max).</summary>
    private static float Clamp(float x, float min, float max)
    {
        float y = x < min ? min : x;
        return max < y ? max : y;
    }

    private static double Clamp(double x, double min, double max)
    {
        double y = x < min ? min : x;
        return max < y ? max : y;
    }

    private static double XavierStd(int length, Shape shape, double gain)
    {
        CheckShape(length, shape, 2, "xavier_*");
        Guard.Finite(gain);
        var fans = Fans.Of(shape);
        if (fans.FanIn + fans.FanOut == 0)
            throw new ArgumentException($"xavier_* divides by fan_in + fan_out, which is 0 for shape {shape}.", nameof(shape));
        return gain * Math.Sqrt(2.0 / (fans.FanIn + fans.FanOut));
    }

    /// <summary>gain / sqrt(fan), or null for a tensor with a zero dimension (PyTorch warns and returns it untouched).</summary>
    private static double? KaimingStd(int length, Shape shape, double a, FanMode mode, string nonlinearity)
    {
        CheckShape(length, shape, 0, "kaiming_*");
        Guard.Finite(a);
        ArgumentNullException.ThrowIfNull(nonlinearity);
        if (mode is not (FanMode.FanIn or FanMode.FanOut))
            throw new ArgumentException($"PyTorch's kaiming_* takes mode fan_in or fan_out, got {(Enum.IsDefined(mode) ? Names.Of(mode) : mode.ToString())}.", nameof(mode));
        if (shape.Dims.Contains(0)) return null;
        var fans = Fans.Of(shape);
        double gain = CalculateGain(nonlinearity, a);
        return gain / Math.Sqrt(mode == FanMode.FanIn ? fans.FanIn : fans.FanOut);
    }

    private static void CheckShape(int length, Shape shape, int minRank, string function)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (length != shape.Size)
            throw new ArgumentException($"the tensor has {length} elements but shape {shape} needs {shape.Size}.", nameof(shape));
        if (shape.Rank < minRank)
            throw new ArgumentException($"{function} needs a tensor with {minRank} or more dimensions, got shape {shape}.", nameof(shape));
    }

    private static ArgumentException UnsupportedType<T>() =>
        new($"the torch generator fills float32 and float64 tensors, not {typeof(T).Name}.", "T");
}
