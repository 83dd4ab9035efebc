using System.Globalization;
using CsCheck;
using InitLab.Cli;

namespace InitLab.Tests.Cli;

public class AxisTicksTests
{
    /// <summary>The value a label stands for, read independently of AxisTicks.Label: plain numbers, 10ⁿ and m×10ⁿ.</summary>
    private static double Value(string label)
    {
        const string superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        int ten = label.IndexOf("10", label.Contains('×') ? label.IndexOf('×') : 0, StringComparison.Ordinal);
        if (label.Contains('⁰') || label.Contains('¹') || label.Contains('²') || label.Contains('³') || label.Contains('⁴') || label.Contains('⁵')
            || label.Contains('⁶') || label.Contains('⁷') || label.Contains('⁸') || label.Contains('⁹'))
        {
            string power = label[(ten + 2)..];
            int sign = power.StartsWith('⁻') ? -1 : 1;
            int exponent = int.Parse(string.Concat(power.TrimStart('⁻').Select(c => (char)('0' + superscripts.IndexOf(c)))), CultureInfo.InvariantCulture);
            double mantissa = label.Contains('×') ? double.Parse(label[..label.IndexOf('×')], CultureInfo.InvariantCulture) : 1;
            return mantissa * Math.Pow(10, sign * exponent);
        }
        return double.Parse(label, CultureInfo.InvariantCulture);
    }

    private static List<AxisTick> Labelled(double lo, double hi) => AxisTicks.Log10(lo, hi).Where(t => t.Major).ToList();

    [Theory]
    [InlineData(-3, 5, new[] { "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²", "10³", "10⁴", "10⁵" })]
    [InlineData(-2, 2, new[] { "0.01", "0.1", "1", "10", "100" })]
    [InlineData(-0.7, 0.8, new[] { "0.2", "0.5", "1", "2", "5" })]
    [InlineData(-0.25, -0.05, new[] { "0.6", "0.7", "0.8" })]
    [InlineData(-0.02, 0.02, new[] { "0.96", "0.98", "1.00", "1.02", "1.04" })]
    [InlineData(-41.3, 28.8, new[] { "10⁻⁴⁰", "10⁻³⁰", "10⁻²⁰", "10⁻¹⁰", "10⁰", "10¹⁰", "10²⁰" })]
    [InlineData(-5.9, -5.2, new[] { "2×10⁻⁶", "5×10⁻⁶" })]
    public void Labels_are_decades_or_one_two_five_or_round_steps_by_range(double lo, double hi, string[] expected)
    {
        var labels = Labelled(lo, hi).OrderBy(t => t.Position).Select(t => t.Label).ToArray();
        Assert.Equal(expected, labels);
    }

    [Fact]
    public void Every_range_gets_at_least_two_labels_each_at_the_position_of_its_value()
    {
        Gen.Select(Gen.Double[-60, 60], Gen.Double[1e-3, 80]).Sample((lo, span) =>
        {
            var ticks = AxisTicks.Log10(lo, lo + span);
            var labelled = ticks.Where(t => t.Major).ToList();
            if (labelled.Count < 2 || labelled.Count > 11) return false;
            if (labelled.Select(t => t.Label).Distinct().Count() != labelled.Count) return false;
            foreach (var t in ticks)
                if (t.Position < lo - 1e-9 || t.Position > lo + span + 1e-9) return false;
            // A label names the value at its position to its printed precision.
            return labelled.All(t => Math.Abs(Math.Log10(Value(t.Label)) - t.Position) < 1e-3);
        }, iter: 2000);
    }

    [Fact]
    public void Minor_ticks_mark_two_to_nine_times_each_decade_when_every_decade_is_labelled()
    {
        var minors = AxisTicks.Log10(0, 2).Where(t => !t.Major).Select(t => Math.Round(Math.Pow(10, t.Position), 9)).ToArray();
        Assert.Equal(new double[] { 2, 3, 4, 5, 6, 7, 8, 9, 20, 30, 40, 50, 60, 70, 80, 90 }, minors.Order().ToArray());
    }

    [Fact]
    public void An_empty_or_non_finite_range_is_refused()
    {
        Assert.Throws<ArgumentException>(() => AxisTicks.Log10(1, 1));
        Assert.Throws<ArgumentException>(() => AxisTicks.Log10(double.NaN, 1));
    }
}
