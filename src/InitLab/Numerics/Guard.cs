using System.Runtime.CompilerServices;

namespace InitLab.Numerics;

/// <summary>Argument validation at the public edge; every failure names the parameter and its value.</summary>
internal static class Guard
{
    public static void Finite(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException($"{name} must be a finite number, got {Fmt(value)}.", name);
    }

    public static void Positive(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new ArgumentException($"{name} must be a finite number > 0, got {Fmt(value)}.", name);
    }

    public static void NonNegative(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value >= 0) || !double.IsFinite(value))
            throw new ArgumentException($"{name} must be a finite number >= 0, got {Fmt(value)}.", name);
    }

    /// <summary>A standard deviation whose square enters a formula (the mean-field maps): finite, &gt;= 0, with a finite square.</summary>
    public static void FiniteSquare(double value, string name)
    {
        NonNegative(value, name);
        if (!double.IsFinite(value * value))
            throw new ArgumentException($"{name} must be at most {Math.Sqrt(double.MaxValue).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)} (its square must be a finite double), got {Fmt(value)}.", name);
    }

    /// <summary>A standard deviation of float32 biases: finite, &gt;= 0 and finite as a float.</summary>
    public static void FloatScale(double value, string name)
    {
        NonNegative(value, name);
        if (value > float.MaxValue)
            throw new ArgumentException($"{name} must be at most {float.MaxValue.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)} (the biases are float32), got {Fmt(value)}.", name);
    }

    public static void Positive(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value <= 0)
            throw new ArgumentException($"{name} must be > 0, got {value}.", name);
    }

    public static void NonNegative(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value < 0)
            throw new ArgumentException($"{name} must be >= 0, got {value}.", name);
    }

    /// <summary>A thread-count argument: 0 (all cores) or a positive count.</summary>
    public static void Threads(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value < 0)
            throw new ArgumentException($"{name} must be >= 0 (0 = all cores), got {value}.", name);
    }

    public static void Less(double low, double high, [CallerArgumentExpression(nameof(low))] string? lowName = null,
        [CallerArgumentExpression(nameof(high))] string? highName = null)
    {
        Finite(low, lowName);
        Finite(high, highName);
        if (!(low < high))
            throw new ArgumentException($"{lowName} must be < {highName}, got {lowName} = {Fmt(low)} and {highName} = {Fmt(high)}.", lowName);
    }

    /// <summary>low &lt; high with neither NaN; low may be -infinity and high +infinity.</summary>
    public static void Interval(double low, double high, [CallerArgumentExpression(nameof(low))] string? lowName = null,
        [CallerArgumentExpression(nameof(high))] string? highName = null)
    {
        if (double.IsNaN(low) || double.IsPositiveInfinity(low))
            throw new ArgumentException($"{lowName} must be a number or -infinity, got {Fmt(low)}.", lowName);
        if (double.IsNaN(high) || double.IsNegativeInfinity(high))
            throw new ArgumentException($"{highName} must be a number or +infinity, got {Fmt(high)}.", highName);
        if (!(low < high))
            throw new ArgumentException($"{lowName} must be < {highName}, got {lowName} = {Fmt(low)} and {highName} = {Fmt(high)}.", lowName);
    }

    public static void Length(int actual, long expected, [CallerArgumentExpression(nameof(actual))] string? name = null)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has length {actual}, expected {expected}.", name);
    }

    public static string Fmt(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
