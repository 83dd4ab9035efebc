using System.Globalization;

namespace InitLab.Cli;

/// <summary>A tick of an axis: its position in axis units, its label (empty for a minor tick) and whether it is major.</summary>
internal sealed record AxisTick(double Position, string Label, bool Major);

/// <summary>
/// Labelled ticks for log-scale axes at any range. ScottPlot 5 has no log axis: plots draw log10(y), and these ticks say
/// which values the positions stand for. Over two or more decades: one labelled tick per decade (every 2nd, 3rd, 5th,
/// 10th, ... decade when there are many), with minor ticks at 2..9 times each decade; within about one decade:
/// 1-2-5 values (0.2, 0.5, 1, 2); over a narrower range: evenly spaced round values (0.96, 0.98, 1, 1.02). So an axis
/// always has at least two labelled ticks, whatever the data's range.
/// </summary>
internal static class AxisTicks
{
    private static readonly double[] DecadeSteps = [1, 2, 3, 5, 10, 20, 25, 50, 100];

    /// <summary>
    /// Ticks of a log10 axis from <paramref name="lo"/> to <paramref name="hi"/> (in log10 units; positions are log10 of
    /// the labelled values), with at most <paramref name="maxLabels"/> labels.
    /// </summary>
    /// <exception cref="ArgumentException">The range is empty or not finite.</exception>
    public static IReadOnlyList<AxisTick> Log10(double lo, double hi, int maxLabels = 10)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || !(hi > lo))
            throw new ArgumentException($"the axis range must be finite and non-empty, got [{lo}, {hi}].", nameof(lo));
        const double slack = 1e-9;
        int first = (int)Math.Ceiling(lo - slack), last = (int)Math.Floor(hi + slack);
        if (last - first + 1 >= 2) return Decades(lo, hi, first, last, maxLabels);
        var oneTwoFive = Multiples(lo, hi, [1, 2, 5]);
        if (oneTwoFive.Count >= 3 || (oneTwoFive.Count == 2 && hi - lo > 0.5))
        {
            var minors = Multiples(lo, hi, [3, 4, 6, 7, 8, 9]).Select(v => new AxisTick(Math.Log10(v), "", false));
            return [.. oneTwoFive.Select(v => new AxisTick(Math.Log10(v), Label(v), true)), .. minors];
        }
        return Linear(Math.Pow(10, lo), Math.Pow(10, hi));
    }

    /// <summary>The label of a value: plain (0.001 to 9999) or as m×10ⁿ with superscript digits (10⁻⁵, 2×10⁸).</summary>
    public static string Label(double value)
    {
        if (value == 0) return "0";
        double a = Math.Abs(value);
        if (a >= 1e-3 && a < 1e4) return value.ToString("G6", CultureInfo.InvariantCulture);
        int exponent = (int)Math.Floor(Math.Log10(a) + 1e-9);
        double mantissa = Math.Round(value / Math.Pow(10, exponent), 6);
        string power = "10" + Superscript(exponent);
        return mantissa == 1 ? power : mantissa == -1 ? "-" + power : $"{mantissa.ToString("G6", CultureInfo.InvariantCulture)}×{power}";
    }

    private static IReadOnlyList<AxisTick> Decades(double lo, double hi, int first, int last, int maxLabels)
    {
        int decades = last - first + 1;
        int step = (int)DecadeSteps.First(s => Math.Ceiling(decades / s) <= maxLabels || s == DecadeSteps[^1]);
        // Multiples of the step (10⁰, 10⁵, 10¹⁰), unless fewer than two of them fall inside.
        var majors = Enumerable.Range(first, decades).Where(k => k % step == 0).ToList();
        if (majors.Count < 2) majors = Enumerable.Range(0, decades).Where(i => i % step == 0).Select(i => first + i).ToList();
        if (majors.Count < 2) majors = [first, last];
        bool exponentForm = majors.Any(k => k < -3 || k > 3);
        var ticks = majors.Select(k => new AxisTick(k, exponentForm ? "10" + Superscript(k) : Label(Math.Pow(10, k)), true)).ToList();
        if (step == 1)
        {
            for (int k = first - 1; k <= last; k++)
                for (int m = 2; m <= 9; m++)
                {
                    double p = k + Math.Log10(m);
                    if (p >= lo && p <= hi) ticks.Add(new AxisTick(p, "", false));
                }
        }
        else
        {
            ticks.AddRange(Enumerable.Range(first, decades).Where(k => !majors.Contains(k)).Select(k => new AxisTick(k, "", false)));
        }
        return ticks;
    }

    /// <summary>The values m 10^k (m from <paramref name="mantissas"/>) whose log10 lies in [lo, hi].</summary>
    private static List<double> Multiples(double lo, double hi, double[] mantissas)
    {
        var values = new List<double>();
        for (int k = (int)Math.Floor(lo) - 1; k <= (int)Math.Ceiling(hi); k++)
            foreach (double m in mantissas)
            {
                double v = m * Math.Pow(10, k);
                double p = Math.Log10(v);
                if (p >= lo - 1e-12 && p <= hi + 1e-12) values.Add(v);
            }
        values.Sort();
        return values;
    }

    /// <summary>Evenly spaced round values (steps of 1, 2 or 5 times a power of 10) between a and b, as log10 positions.</summary>
    private static IReadOnlyList<AxisTick> Linear(double a, double b)
    {
        double raw = (b - a) / 5;
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => s >= raw);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9) + (step / power % 1 != 0 ? 1 : 0));
        var ticks = new List<AxisTick>();
        for (double k = Math.Ceiling(a / step); k * step <= b * (1 + 1e-12); k++)
        {
            double rounded = k * step;
            string label = Math.Abs(rounded) >= 1e-3 && Math.Abs(rounded) < 1e4
                ? rounded.ToString("F" + decimals, CultureInfo.InvariantCulture)
                : Label(rounded);
            ticks.Add(new AxisTick(Math.Log10(rounded), label, true));
        }
        return ticks;
    }

    private static string Superscript(int n)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string text = Math.Abs(n).ToString(CultureInfo.InvariantCulture);
        return (n < 0 ? "⁻" : "") + string.Concat(text.Select(c => digits[c - '0']));
    }
}
