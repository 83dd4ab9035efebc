using System.Numerics;
using InitLab.Numerics;

namespace InitLab.Random;

/// <summary>
/// A seeded, counter-based random generator over Philox4x32-10. The 64-bit <see cref="Seed"/> is the key,
/// the 64-bit <see cref="Stream"/> the upper half of the counter, and <see cref="Position"/> (in 128-bit
/// blocks) the lower half: each fill takes the next blocks and advances the position, so a generator used
/// the same way always gives the same numbers, and each element of a fill is a pure function of
/// (seed, stream, position, index): filling with one thread or many, with or without SIMD, gives the same bits.
/// </summary>
/// <remarks>
/// There is no hidden global generator: pass one explicitly. Independent streams for independent purposes
/// come from <see cref="Fork"/>. Not thread-safe: use one generator per thread or fork one per task.
/// </remarks>
public sealed class Generator
{
    /// <summary>Creates a generator for <paramref name="seed"/> and <paramref name="stream"/> at position 0.</summary>
    public Generator(ulong seed, ulong stream = 0)
    {
        Seed = seed;
        Stream = stream;
    }

    /// <summary>The 64-bit key.</summary>
    public ulong Seed { get; }

    /// <summary>The stream (upper 64 bits of the counter).</summary>
    public ulong Stream { get; }

    /// <summary>The next unused 128-bit block (lower 64 bits of the counter).</summary>
    public ulong Position { get; set; }

    /// <summary>A new generator with the same seed on another stream, starting at position 0.</summary>
    public Generator Fork(ulong stream) => new(Seed, stream);

    /// <inheritdoc/>
    public override string ToString() => $"Philox4x32-10(seed = {Seed}, stream = {Stream}, position = {Position})";

    private ulong Take(ulong blocks)
    {
        ulong start = Position;
        Position += blocks;
        return start;
    }

    // ---- float ------------------------------------------------------------------------------------

    /// <summary>Fills with U[0, 1): u = (x &gt;&gt; 8) * 2^-24 for each 32-bit Philox word x.</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="threads">Threads the fill may use: 0 = all cores, 1 = serial; the bits are the same for every value.</param>
    /// <exception cref="ArgumentException">threads is negative.</exception>
    public void Uniform(Span<float> destination, int threads = 0)
    {
        Guard.Threads(threads);
        PhiloxFill.Run(destination, Seed, Stream, Take(PhiloxFill.BlocksForFloats(destination.Length)), new UniformFloatOp(0f, 1f), threads);
    }

    /// <summary>Fills with U[low, high): fma(u, high - low, low), kept strictly below <paramref name="high"/>.</summary>
    /// <exception cref="ArgumentException">low or high is not finite, low &gt;= high, high - low overflows, or threads is negative.</exception>
    public void Uniform(Span<float> destination, float low, float high, int threads = 0)
    {
        Guard.Less(low, high);
        Guard.Threads(threads);
        if (!float.IsFinite(high - low))
            throw new ArgumentException($"high - low must be finite in float, got low = {Guard.Fmt(low)} and high = {Guard.Fmt(high)}.", nameof(high));
        PhiloxFill.Run(destination, Seed, Stream, Take(PhiloxFill.BlocksForFloats(destination.Length)), new UniformFloatOp(low, high), threads);
    }

    /// <summary>
    /// Fills with N(0, 1) by the Box-Muller transform of pairs of 24-bit uniforms (Box and Muller, 1958):
    /// z0 = r cos(2 pi t), z1 = r sin(2 pi t), r = sqrt(-2 ln u1), in float arithmetic with polynomial log and sin/cos
    /// (about 2 ulp), identical on every lane width and thread count.
    /// </summary>
    /// <exception cref="ArgumentException">threads is negative.</exception>
    public void Normal(Span<float> destination, int threads = 0) => Normal(destination, 0f, 1f, threads);

    /// <summary>Fills with N(mean, std^2): fma(z, std, mean) with z as in <see cref="Normal(Span{float}, int)"/>.</summary>
    /// <exception cref="ArgumentException">mean is not finite, std is negative or not finite, or threads is negative.</exception>
    public void Normal(Span<float> destination, float mean, float std, int threads = 0)
    {
        Guard.Finite(mean);
        Guard.NonNegative(std);
        Guard.Threads(threads);
        PhiloxFill.Run(destination, Seed, Stream, Take(PhiloxFill.BlocksForFloats(destination.Length)), new NormalFloatOp(mean, std), threads);
    }

    /// <summary>
    /// Fills with N(mean, std^2) truncated to the absolute interval [a, b] (PyTorch's <c>trunc_normal_</c> semantics),
    /// sampled exactly by inverting the truncated CDF: x = mean + std * Phi^-1(Phi(alpha) + u (Phi(beta) - Phi(alpha))),
    /// alpha = (a - mean) / std, beta = (b - mean) / std, u the midpoint of a 24-bit cell. Nothing is clamped but the
    /// last rounding. When |alpha| and |beta| are at most 5 the quantile is Giles' (2011) float erfinv (SIMD); farther
    /// out the double-precision quantile is used, and for an interval entirely beyond 30 std from the mean (where Phi
    /// underflows) the log-space quantile of <see cref="StandardTruncatedNormal"/>. a may be -infinity, b +infinity.
    /// </summary>
    /// <exception cref="ArgumentException">a &gt;= b, a or b NaN, std not finite and &gt; 0, mean not finite, or threads is negative.</exception>
    public void TruncatedNormal(Span<float> destination, float mean, float std, float a, float b, int threads = 0)
    {
        var (alpha, beta) = TruncationBounds(mean, std, a, b);
        Guard.Threads(threads);
        ulong first = Take(PhiloxFill.BlocksForFloats(destination.Length));
        if (Math.Abs(alpha) <= TruncatedNormalFloatOp.MaxAbsBound && Math.Abs(beta) <= TruncatedNormalFloatOp.MaxAbsBound)
        {
            new TruncatedNormalFloatOp(mean, std, a, b, alpha, beta).Fill(destination, Seed, Stream, first, threads);
            return;
        }
        PhiloxFill.Run(destination, Seed, Stream, first,
            (d, s, st, f) => PhiloxFill.TruncatedNormalFloat(d, s, st, f, alpha, beta), threads);
        Affine.ScaleShift(destination, std, mean);
        Affine.ClampToInterval(destination, a, b);
    }

    // ---- double -----------------------------------------------------------------------------------

    /// <summary>Fills with U[0, 1) at 53-bit resolution: u = bits53 * 2^-53.</summary>
    /// <exception cref="ArgumentException">threads is negative.</exception>
    public void Uniform(Span<double> destination, int threads = 0)
    {
        Guard.Threads(threads);
        PhiloxFill.Run(destination, Seed, Stream, Take(PhiloxFill.BlocksForDoubles(destination.Length)), PhiloxFill.UniformDouble, threads);
    }

    /// <summary>Fills with U[low, high): low + (high - low) * u, kept strictly below <paramref name="high"/>.</summary>
    /// <exception cref="ArgumentException">low or high is not finite, low &gt;= high, or threads is negative.</exception>
    public void Uniform(Span<double> destination, double low, double high, int threads = 0)
    {
        Guard.Less(low, high);
        Uniform(destination, threads);
        Affine.UniformRange(destination, low, high);
    }

    /// <summary>Fills with N(0, 1) by the Box-Muller transform of pairs of 53-bit uniforms.</summary>
    /// <exception cref="ArgumentException">threads is negative.</exception>
    public void Normal(Span<double> destination, int threads = 0)
    {
        Guard.Threads(threads);
        PhiloxFill.Run(destination, Seed, Stream, Take(PhiloxFill.BlocksForDoubles(destination.Length)), PhiloxFill.NormalDouble, threads);
    }

    /// <summary>Fills with N(mean, std^2): mean + std * z.</summary>
    /// <exception cref="ArgumentException">mean is not finite, std is negative or not finite, or threads is negative.</exception>
    public void Normal(Span<double> destination, double mean, double std, int threads = 0)
    {
        Guard.Finite(mean);
        Guard.NonNegative(std);
        Normal(destination, threads);
        Affine.ScaleShift(destination, std, mean);
    }

    /// <summary>N(mean, std^2) truncated to the absolute interval [a, b]; see the float overload.</summary>
    /// <exception cref="ArgumentException">As the float overload.</exception>
    public void TruncatedNormal(Span<double> destination, double mean, double std, double a, double b, int threads = 0)
    {
        var (alpha, beta) = TruncationBounds(mean, std, a, b);
        Guard.Threads(threads);
        PhiloxFill.Run(destination, Seed, Stream, Take(PhiloxFill.BlocksForDoubles(destination.Length)),
            (d, s, st, f) => PhiloxFill.TruncatedNormalDouble(d, s, st, f, alpha, beta), threads);
        Affine.ScaleShift(destination, std, mean);
        Affine.ClampToInterval(destination, a, b);
    }

    /// <summary>One U[0, 1) double (consumes one block).</summary>
    public double NextUniform()
    {
        Span<double> one = stackalloc double[1];
        Uniform(one);
        return one[0];
    }

    /// <summary>One N(0, 1) double (consumes one block).</summary>
    public double NextNormal()
    {
        Span<double> one = stackalloc double[1];
        Normal(one);
        return one[0];
    }

    private static (double Alpha, double Beta) TruncationBounds(double mean, double std, double a, double b)
    {
        Guard.Finite(mean);
        Guard.Positive(std);
        Guard.Interval(a, b);
        // Every non-empty interval can be sampled: far tails go through the log-space quantile of StandardTruncatedNormal.
        return ((a - mean) / std, (b - mean) / std);
    }
}

/// <summary>Element-wise affine post-processing shared by the fills (exactly rounded, no FMA, so every vector width agrees).</summary>
internal static class Affine
{
    public static void ScaleShift<T>(Span<T> x, T scale, T shift) where T : unmanaged, INumber<T>
    {
        if (scale == T.One && shift == T.Zero) return;
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var vs = new Vector<T>(scale);
            var vb = new Vector<T>(shift);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(x.Slice(i));
                (v * vs + vb).CopyTo(x.Slice(i));
            }
        }
        for (; i < x.Length; i++) x[i] = x[i] * scale + shift;
    }

    public static void UniformRange<T>(Span<T> x, T low, T high) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T width = high - low;
        T below = T.BitDecrement(high);
        for (int i = 0; i < x.Length; i++)
        {
            T r = low + width * x[i];
            x[i] = r < high ? r : below;
        }
    }

    public static void ClampToInterval<T>(Span<T> x, T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Guards only the final rounding of mean + std * z; the sampled z already lies in (alpha, beta).
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] < a) x[i] = a;
            else if (x[i] > b) x[i] = b;
        }
    }
}
