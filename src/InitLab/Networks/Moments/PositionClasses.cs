namespace InitLab.Networks;

/// <summary>
/// Positions grouped by the bits of their per-position inputs: a rule whose numbers at position p are a function of
/// fields[k][p] alone computes them once per class (at its representative, the class's first position) and copies them to the
/// class's other positions. In a feature map most positions are interior ones with one law, so a 56 x 56 field has a handful of
/// classes (the interior, the edges, the corners) instead of 3136 quadratures. Bitwise equality, not ==: the copies equal what
/// each position would compute alone, to the last bit (-0.0 and 0.0, or two NaN payloads, are different keys).
/// </summary>
internal sealed class PositionClasses
{
    private PositionClasses(int[] representatives, int[] classOf)
    {
        Representatives = representatives;
        ClassOf = classOf;
    }

    /// <summary>The first position of each class, in increasing order.</summary>
    public int[] Representatives { get; }

    /// <summary>The class of each position (an index into <see cref="Representatives"/>).</summary>
    public int[] ClassOf { get; }

    /// <summary>The number of classes.</summary>
    public int Count => Representatives.Length;

    /// <summary>Groups positions 0..count-1 whose values are bitwise equal in every non-null field (each of length &gt;= count).</summary>
    public static PositionClasses Of(int count, params double[]?[] fields)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var used = fields.Where(f => f is not null).Select(f => f!).ToArray();
        foreach (var f in used)
            if (f.Length < count) throw new ArgumentException($"a field has {f.Length} positions, fewer than {count}.", nameof(fields));
        var index = new Dictionary<int, int>(new PositionComparer(used));
        var classOf = new int[count];
        var representatives = new List<int>();
        for (int p = 0; p < count; p++)
        {
            if (!index.TryGetValue(p, out int c))
            {
                c = representatives.Count;
                index[p] = c;
                representatives.Add(p);
            }
            classOf[p] = c;
        }
        return new PositionClasses([.. representatives], classOf);
    }

    /// <summary>Copies per-class values to every position: result[p] = perClass[ClassOf[p]].</summary>
    public double[] Scatter(double[] perClass)
    {
        ArgumentNullException.ThrowIfNull(perClass);
        var result = new double[ClassOf.Length];
        for (int p = 0; p < result.Length; p++) result[p] = perClass[ClassOf[p]];
        return result;
    }

    private sealed class PositionComparer(double[][] fields) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b)
        {
            foreach (var f in fields)
                if (BitConverter.DoubleToInt64Bits(f[a]) != BitConverter.DoubleToInt64Bits(f[b])) return false;
            return true;
        }

        public int GetHashCode(int p)
        {
            var h = new HashCode();
            foreach (var f in fields) h.Add(BitConverter.DoubleToInt64Bits(f[p]));
            return h.ToHashCode();
        }
    }
}
