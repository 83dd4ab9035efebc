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
    public static PositionClasses Of(int count, params double[]?[] fields) => Near(count, 0, fields);

    /// <summary>
    /// Groups positions whose values agree in every non-null field in all but the last <paramref name="dropBits"/> bits of their
    /// representation (sign, exponent and the leading 52 - dropBits mantissa bits): two such values differ by less than
    /// 2^-(52 - dropBits) of either. 0: bitwise equality. Not transitive closure: the bits are cut, not compared with a tolerance,
    /// so each position has exactly one class (two values a rounding apart that straddle a cut are two classes).
    /// </summary>
    public static PositionClasses Near(int count, int dropBits, params double[]?[] fields)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dropBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dropBits, 52);
        long mask = ~((1L << dropBits) - 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var used = fields.Where(f => f is not null).Select(f => f!).ToArray();
        foreach (var f in used)
            if (f.Length < count) throw new ArgumentException($"a field has {f.Length} positions, fewer than {count}.", nameof(fields));
        // Open addressing on a table of at least twice as many slots as positions: each slot holds a class (its representative
        // position) or -1; a position probes from its hash until it meets a class whose fields are bitwise its own, or a free slot.
        int size = 16;
        while (size < 2 * count) size <<= 1;
        var table = new int[size];
        Array.Fill(table, -1);
        var classOf = new int[count];
        var representatives = new List<int>();
        for (int p = 0; p < count; p++)
        {
            int slot = (int)(Hash(used, p, mask) & (ulong)(size - 1));
            int c;
            while (true)
            {
                c = table[slot];
                if (c < 0)
                {
                    c = representatives.Count;
                    table[slot] = c;
                    representatives.Add(p);
                    break;
                }
                if (Same(used, representatives[c], p, mask)) break;
                slot = (slot + 1) & (size - 1);
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

    private static ulong Hash(double[][] fields, int p, long mask)
    {
        ulong h = 0x9E3779B97F4A7C15;
        foreach (var f in fields)
        {
            h ^= (ulong)(BitConverter.DoubleToInt64Bits(f[p]) & mask);
            h *= 0xBF58476D1CE4E5B9;
            h ^= h >> 31;
        }
        return h ^ (h >> 29);
    }

    private static bool Same(double[][] fields, int a, int b, long mask)
    {
        foreach (var f in fields)
            if ((BitConverter.DoubleToInt64Bits(f[a]) & mask) != (BitConverter.DoubleToInt64Bits(f[b]) & mask)) return false;
        return true;
    }
}
