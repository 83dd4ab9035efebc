using System.Globalization;
using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Inspection;

/// <summary>
/// Recognizes the schemes defined by a structure rather than an element law: constants, eye/identity, dirac,
/// delta-orthogonal, orthogonal and sparse. Each test is exact up to the rounding of the stored type, and each needs a
/// structure that an i.i.d. or trained tensor has with negligible probability.
/// </summary>
internal static class StructureDetector
{
    /// <summary>The smallest short side for the orthogonality test: with 4 rows, the 6 off-diagonal and 3 norm
    /// conditions that a random matrix would all have to meet within 0.1 / sqrt(m) have probability below 1e-9.</summary>
    public const int MinOrthogonalSide = 4;

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>zeros, ones or constant(value=v) when every element equals the first.</summary>
    public static string? Constant(ReadOnlySpan<double> x)
    {
        double v = x[0];
        foreach (double e in x) if (e != v) return null;
        return v == 0 ? "zeros" : v == 1 ? "ones" : $"constant(value={F(v)})";
    }

    /// <summary>eye (PyTorch eye_) or identity(gain=g) (Keras Identity) for a 2-D tensor equal to g I, g != 0.</summary>
    public static string? Eye(ReadOnlySpan<double> x, Shape shape)
    {
        if (shape.Rank != 2) return null;
        int rows = shape[0], cols = shape[1];
        double g = x[0];
        if (g == 0) return null;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                if (x[i * cols + j] != (i == j ? g : 0)) return null;
        return g == 1 ? "eye" : $"identity(gain={F(g)})";
    }

    /// <summary>dirac(groups=G) (PyTorch dirac_) for a 3- to 5-D kernel equal to the Dirac kernel of some group count.</summary>
    public static string? Dirac(ReadOnlySpan<double> x, Shape shape, FanLayout layout)
    {
        if (shape.Rank is < 3 or > 5) return null;
        foreach (double v in x) if (v != 0 && v != 1) return null;
        int outChannels = layout == FanLayout.Torch ? shape[0] : shape[shape.Rank - 1];
        for (int groups = 1; groups <= outChannels; groups++)
        {
            if (outChannels % groups != 0) continue;
            var expected = new DiracInitializer(groups, layout).Create<double>(shape, new Random.Generator(0));
            if (x.SequenceEqual(expected.Data)) return $"dirac(groups={groups})";
        }
        return null;
    }

    /// <summary>
    /// delta_orthogonal(scale=g) (Xiao et al. 2018; JAX) for a 3- to 5-D kernel with a receptive field above 1: every tap
    /// but the centre ((k - 1) / 2 per spatial axis) is 0 and the centre (out x in, in &lt;= out) has orthonormal columns times g.
    /// </summary>
    public static string? DeltaOrthogonal(ReadOnlySpan<double> x, Shape shape, FanLayout layout, double unitRoundoff)
    {
        if (shape.Rank is < 3 or > 5) return null;
        int rank = shape.Rank;
        int outC = layout == FanLayout.Torch ? shape[0] : shape[rank - 1];
        int inC = layout == FanLayout.Torch ? shape[1] : shape[rank - 2];
        if (inC > outC || inC < MinOrthogonalSide || shape.Size == (long)outC * inC) return null;
        var centre = new double[outC * inC];
        var index = new int[rank];
        int first = layout == FanLayout.Torch ? 2 : 0, last = layout == FanLayout.Torch ? rank : rank - 2;
        for (int flat = 0; flat < x.Length; flat++)
        {
            int rem = flat;
            for (int k = rank - 1; k >= 0; k--) { index[k] = rem % shape[k]; rem /= shape[k]; }
            bool isCentre = true;
            for (int k = first; k < last; k++) isCentre &= index[k] == (shape[k] - 1) / 2;
            if (isCentre)
            {
                int o = layout == FanLayout.Torch ? index[0] : index[rank - 1];
                int i = layout == FanLayout.Torch ? index[1] : index[rank - 2];
                centre[o * inC + i] = x[flat];
            }
            else if (x[flat] != 0) return null;
        }
        double? gain = OrthogonalGain(centre, outC, inC, unitRoundoff);
        return gain is { } g ? $"delta_orthogonal(scale={F(g)})" : null;
    }

    /// <summary>
    /// The gain g when the row-major rows x cols matrix is g times a matrix with orthonormal rows (rows &lt;= cols) or
    /// columns: max |Gram / g^2 - I| &lt;= 16 sqrt(m) 2^-24 + 2.1 u, g^2 = trace(Gram) / min(rows, cols), m = max(rows, cols).
    /// The first term allows float32 arithmetic in the sampler (a QR in float32), the second the storage rounding
    /// (rounding each element by relative u moves each normalized Gram entry by at most 2u + u^2, by Cauchy-Schwarz).
    /// Null when the short side is below <see cref="MinOrthogonalSide"/> or the tolerance exceeds 0.1 / sqrt(m), where a
    /// random matrix (Gram entries ~ 1 / sqrt(m)) could pass.
    /// </summary>
    public static double? OrthogonalGain(ReadOnlySpan<double> a, int rows, int cols, double unitRoundoff)
    {
        if (OrthogonalTolerance(rows, cols, unitRoundoff) is not { } tol) return null;
        return GainFromGram(LinearAlgebra.SymmetricEigen.Gram(a, rows, cols), Math.Min(rows, cols), tol);
    }

    /// <summary>g = sqrt(trace / n) when max |G / g^2 - I| &lt;= tol, else null.</summary>
    public static double? GainFromGram(ReadOnlySpan<double> gram, int n, double tol)
    {
        double trace = 0;
        for (int i = 0; i < n; i++) trace += gram[i * n + i];
        double g2 = trace / n;
        if (!(g2 > 0)) return null;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (Math.Abs(gram[i * n + j] / g2 - (i == j ? 1 : 0)) > tol) return null;
        return Math.Sqrt(g2);
    }

    /// <summary>The orthogonality tolerance of <see cref="OrthogonalGain"/>, or null when it cannot separate orthogonal from random.</summary>
    public static double? OrthogonalTolerance(int rows, int cols, double unitRoundoff)
    {
        int n = Math.Min(rows, cols), m = Math.Max(rows, cols);
        if (n < MinOrthogonalSide) return null;
        double tol = 16 * Math.Sqrt(m) * Math.Pow(2, -24) + 2.1 * unitRoundoff;
        return tol > 0.1 / Math.Sqrt(m) ? null : tol;
    }

    /// <summary>
    /// sparse(sparsity=s[, std=sigma]) (Martens 2010; PyTorch sparse_) for a 2-D tensor whose columns all hold the same
    /// number z of zeros (1 &lt;= z &lt; rows) and whose non-zeros pass a KS test at level alpha against N(0, 0.01^2) (the
    /// default std) or, failing that, against N(0, sigma^2) with sigma their root mean square (a fitted scale makes the
    /// test conservative). Returns the name and the KS p-value.
    /// </summary>
    public static (string Name, double PValue)? Sparse(ReadOnlySpan<double> x, Shape shape, double alpha)
    {
        if (shape.Rank != 2) return null;
        int rows = shape[0], cols = shape[1];
        int zeros = -1;
        for (int j = 0; j < cols; j++)
        {
            int z = 0;
            for (int i = 0; i < rows; i++) if (x[i * cols + j] == 0) z++;
            if (zeros < 0) zeros = z;
            else if (z != zeros) return null;
        }
        if (zeros < 1 || zeros >= rows) return null;
        var nonZeros = new List<double>(x.Length);
        foreach (double v in x) if (v != 0) nonZeros.Add(v);
        if (nonZeros.Count < TensorInspector.MinElements) return null;
        double sparsity = (double)zeros / rows;
        double p = KolmogorovSmirnov.Test(nonZeros.ToArray(), KolmogorovSmirnov.NormalCdf(0, 0.01)).PValue;
        if (p >= alpha) return ($"sparse(sparsity={F(sparsity)})", p);
        double rms = Math.Sqrt(nonZeros.Sum(v => v * v) / nonZeros.Count);
        p = KolmogorovSmirnov.Test(nonZeros.ToArray(), KolmogorovSmirnov.NormalCdf(0, rms)).PValue;
        return p >= alpha ? ($"sparse(sparsity={F(sparsity)}, std={rms.ToString("G3", CultureInfo.InvariantCulture)})", p) : null;
    }
}
