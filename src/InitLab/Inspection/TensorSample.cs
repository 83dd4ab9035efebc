using InitLab.Numerics;

namespace InitLab.Inspection;

/// <summary>
/// A tensor's elements prepared for goodness-of-fit tests against many laws: the values in double, their extremes,
/// a sorted sample for the Kolmogorov-Smirnov test (all elements, or an evenly strided subset of
/// <see cref="MaxKsSample"/> when there are more: any fixed subset of i.i.d. elements is i.i.d., so the test stays
/// valid), power sums about any centre (cached), and the largest squared singular value of the tensor as a matrix.
/// </summary>
public sealed class TensorSample
{
    /// <summary>The largest number of elements the KS test sorts (2^20: its resolution in D is then about 1e-3).</summary>
    public const int MaxKsSample = 1 << 20;

    private readonly double[] _values;
    private readonly Dictionary<double, double[]> _sums = [];
    private double[]? _sorted;

    /// <summary>Prepares <paramref name="values"/> (copied) for tests.</summary>
    /// <param name="values">The elements, row-major; they must be finite.</param>
    /// <param name="unitRoundoff">Unit roundoff of the stored type: 2^-53 float64, 2^-24 float32, 2^-11 float16, 2^-8 bfloat16.
    /// Every test allows each element to be its true value rounded to this relative precision.</param>
    /// <param name="matrixRows">Rows of the tensor as a matrix (0 when it is not one).</param>
    /// <param name="matrixCols">Columns of the tensor as a matrix (0 when it is not one).</param>
    /// <param name="largestSquaredSingularValue">sigma_max^2 of that matrix, or null when not computed.</param>
    /// <exception cref="ArgumentException">values is empty or holds NaN or infinity; unitRoundoff not in (0, 0.01];
    /// the matrix dimensions do not multiply to the length.</exception>
    public TensorSample(ReadOnlySpan<double> values, double unitRoundoff, int matrixRows = 0, int matrixCols = 0, double? largestSquaredSingularValue = null)
    {
        if (values.IsEmpty) throw new ArgumentException("values must not be empty.", nameof(values));
        if (!(unitRoundoff > 0 && unitRoundoff <= 0.01))
            throw new ArgumentException($"unitRoundoff must be in (0, 0.01], got {Guard.Fmt(unitRoundoff)}.", nameof(unitRoundoff));
        if (matrixRows < 0 || matrixCols < 0 || (matrixRows > 0 && (long)matrixRows * matrixCols != values.Length))
            throw new ArgumentException($"a {matrixRows} x {matrixCols} matrix does not hold {values.Length} elements.", nameof(matrixRows));
        _values = values.ToArray();
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in _values)
        {
            if (!double.IsFinite(v)) throw new ArgumentException($"values must be finite, got {Guard.Fmt(v)}.", nameof(values));
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        Min = min;
        Max = max;
        UnitRoundoff = unitRoundoff;
        MatrixRows = matrixRows;
        MatrixCols = matrixCols;
        LargestSquaredSingularValue = largestSquaredSingularValue;
    }

    /// <summary>Number of elements n.</summary>
    public long Count => _values.Length;

    /// <summary>The elements.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Smallest element.</summary>
    public double Min { get; }

    /// <summary>Largest element.</summary>
    public double Max { get; }

    /// <summary>Unit roundoff of the stored type.</summary>
    public double UnitRoundoff { get; }

    /// <summary>Rows of the tensor as a matrix (0: not a matrix).</summary>
    public int MatrixRows { get; }

    /// <summary>Columns of the tensor as a matrix (0: not a matrix).</summary>
    public int MatrixCols { get; }

    /// <summary>sigma_max^2 of the matrix, if computed.</summary>
    public double? LargestSquaredSingularValue { get; }

    /// <summary>The KS sample, sorted ascending.</summary>
    public double[] SortedSample
    {
        get
        {
            if (_sorted is not null) return _sorted;
            double[] sample;
            if (_values.Length <= MaxKsSample) sample = (double[])_values.Clone();
            else
            {
                sample = new double[MaxKsSample];
                for (int i = 0; i < sample.Length; i++) sample[i] = _values[(long)i * _values.Length / MaxKsSample];
            }
            Array.Sort(sample);
            return _sorted = sample;
        }
    }

    /// <summary>[n, sum (x - c), sum (x - c)^2, sum (x - c)^3, sum (x - c)^4] about <paramref name="centre"/> (fixed order, cached).</summary>
    public double[] PowerSums(double centre)
    {
        if (_sums.TryGetValue(centre, out var cached)) return cached;
        double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
        foreach (double v in _values)
        {
            double d = v - centre, d2 = d * d;
            s1 += d;
            s2 += d2;
            s3 += d2 * d;
            s4 += d2 * d2;
        }
        return _sums[centre] = [_values.Length, s1, s2, s3, s4];
    }
}
