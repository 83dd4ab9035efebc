using System.Globalization;

namespace InitLab.Numerics;

/// <summary>
/// The one strict, culture-invariant number syntax of InitLab (command-line options, lists, grids, shapes, shards).
/// A real number is <c>[+-]digits[.digits][(e|E)[+-]digits]</c> or <c>[+-].digits[...]</c> with ASCII digits only: no
/// thousands separators, no white space, no trailing characters, no hexadecimal, no <c>_</c>. So <c>1,5</c> is never
/// read as 15 (nor as 1.5), and <c>1e999</c> (which would round to infinity) or <c>1e-999</c> (which would round to 0)
/// are errors rather than silent changes of value. NaN and infinities (<c>NaN</c>, <c>Infinity</c>, <c>inf</c>, with a
/// sign, any case) are read only when the caller allows them. An integer is <c>[+-]digits</c> within the type's range.
/// </summary>
public static class NumberText
{
    /// <summary>Reads a real number in the strict syntax.</summary>
    /// <param name="text">The text, e.g. <c>1.5</c>, <c>-2e-3</c>, <c>.5</c>.</param>
    /// <param name="value">The value (0 when the text is rejected).</param>
    /// <param name="allowNonFinite">Whether NaN and +-infinity may be written (as NaN, Infinity or inf).</param>
    /// <returns>True when the text is a number in the strict syntax whose value is representable.</returns>
    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value, bool allowNonFinite = false)
    {
        value = 0;
        if (allowNonFinite && TryNonFinite(text, out value)) return true;
        if (!IsDecimal(text, out bool nonZeroDigits)) return false;
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value)) return false;
        // Overflow to infinity, or a non-zero literal that underflows to zero, would silently change the value.
        if (double.IsInfinity(value) || (value == 0 && nonZeroDigits))
        {
            value = 0;
            return false;
        }
        return true;
    }

    /// <summary>Reads a 32-bit integer <c>[+-]digits</c> (no exponent, no separators, no white space).</summary>
    public static bool TryParseInt32(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        return IsInteger(text) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reads a 64-bit integer <c>[+-]digits</c> (no exponent, no separators, no white space).</summary>
    public static bool TryParseInt64(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        return IsInteger(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reads a real number, or throws an <see cref="ArgumentException"/> that names <paramref name="name"/> and says why.</summary>
    /// <exception cref="ArgumentException">The text is not a number in the strict syntax.</exception>
    public static double ParseDouble(string text, string name, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseDouble(text, out double value, allowNonFinite)) return value;
        throw new ArgumentException($"{name} must be {(allowNonFinite ? "a number" : "a finite number")} such as 0.5 or 1e-3, got '{text}'{Why(text, integer: false, allowNonFinite)}.", name);
    }

    /// <summary>Reads a 32-bit integer, or throws an <see cref="ArgumentException"/> that names <paramref name="name"/> and says why.</summary>
    /// <exception cref="ArgumentException">The text is not an integer in the strict syntax, or out of range.</exception>
    public static int ParseInt32(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseInt32(text, out int value)) return value;
        throw new ArgumentException($"{name} must be an integer such as 64, got '{text}'{Why(text, integer: true, false, int.MaxValue)}.", name);
    }

    /// <summary>Reads a 64-bit integer, or throws an <see cref="ArgumentException"/> that names <paramref name="name"/> and says why.</summary>
    /// <exception cref="ArgumentException">The text is not an integer in the strict syntax, or out of range.</exception>
    public static long ParseInt64(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseInt64(text, out long value)) return value;
        throw new ArgumentException($"{name} must be an integer such as 64, got '{text}'{Why(text, integer: true, false, long.MaxValue)}.", name);
    }

    /// <summary>
    /// Reads a comma-separated list of real numbers <c>a,b,c</c> (each element in the strict syntax; spaces around an
    /// element are allowed, empty elements are not).
    /// </summary>
    /// <exception cref="ArgumentException">An element is not a number, or the list is empty.</exception>
    public static double[] ParseDoubleList(string text, string name, bool allowNonFinite = false) =>
        [.. Elements(text, name).Select((e, i) => TryParseDouble(e, out double v, allowNonFinite) ? v
            : throw new ArgumentException($"{name} must be a comma-separated list of numbers such as 0.5,1,2, got '{text}' (element {i + 1}, '{e}'{Why(e, false, allowNonFinite)}).", name))];

    /// <summary>Reads a comma-separated list of 32-bit integers <c>a,b,c</c> (spaces around an element allowed, empty elements not).</summary>
    /// <exception cref="ArgumentException">An element is not an integer, or the list is empty.</exception>
    public static int[] ParseInt32List(string text, string name) =>
        [.. Elements(text, name).Select((e, i) => TryParseInt32(e, out int v) ? v
            : throw new ArgumentException($"{name} must be a comma-separated list of integers such as 64,32,10, got '{text}' (element {i + 1}, '{e}'{Why(e, true, false, int.MaxValue)}).", name))];

    private static IEnumerable<string> Elements(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Length == 0) throw new ArgumentException($"{name} must not be empty.", name);
        return text.Split(',').Select(e => e.Trim(' '));
    }

    /// <summary>A short reason why <paramref name="text"/> was rejected, starting with ": " (or empty when there is nothing more to say).</summary>
    internal static string Why(string text, bool integer, bool allowNonFinite, long max = 0)
    {
        const string sep = ": ";
        if (text.Length == 0) return $"{sep}the value is empty";
        if (text.Contains(','))
        {
            string dotted = text.Replace(',', '.');
            bool wasDecimal = text.Count(c => c == ',') == 1 && (integer ? false : TryParseDouble(dotted, out _, allowNonFinite));
            return wasDecimal
                ? $"{sep}',' is not a decimal point here (nor a thousands separator); write {dotted}"
                : $"{sep}',' is not allowed inside a number (neither as a decimal point nor as a thousands separator)";
        }
        if (text.Any(char.IsWhiteSpace)) return $"{sep}white space is not allowed inside a number";
        if (text.Contains('_')) return $"{sep}'_' is not allowed inside a number";
        if (!allowNonFinite && TryNonFinite(text, out _)) return $"{sep}NaN and infinity are not allowed here";
        if (integer)
        {
            if (IsInteger(text))
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v >= -max - 1 && v <= max
                    ? "" : $"{sep}the value is outside {-max - 1}..{max}";
            return IsDecimal(text, out _) ? $"{sep}write a whole number without '.' or an exponent" : "";
        }
        if (IsDecimal(text, out bool nonZero))
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsInfinity(v)
                ? $"{sep}the value overflows a double"
                : nonZero ? $"{sep}the value underflows to 0 in a double" : "";
        return "";
    }

    private static bool TryNonFinite(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        bool negative = false;
        if (text.Length > 0 && (text[0] == '+' || text[0] == '-'))
        {
            negative = text[0] == '-';
            text = text[1..];
        }
        if (text.Equals("nan", StringComparison.OrdinalIgnoreCase)) value = double.NaN;
        else if (text.Equals("infinity", StringComparison.OrdinalIgnoreCase) || text.Equals("inf", StringComparison.OrdinalIgnoreCase))
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
        else return false;
        return true;
    }

    private static bool IsInteger(ReadOnlySpan<char> s)
    {
        int i = s.Length > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
            if (!char.IsAsciiDigit(s[i])) return false;
        return true;
    }

    // [+-](digits[.digits*] | .digits)([eE][+-]digits)?
    private static bool IsDecimal(ReadOnlySpan<char> s, out bool nonZeroDigits)
    {
        nonZeroDigits = false;
        int i = 0, n = s.Length;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        int mantissaDigits = 0;
        for (; i < n && char.IsAsciiDigit(s[i]); i++, mantissaDigits++) nonZeroDigits |= s[i] != '0';
        if (i < n && s[i] == '.')
            for (i++; i < n && char.IsAsciiDigit(s[i]); i++, mantissaDigits++) nonZeroDigits |= s[i] != '0';
        if (mantissaDigits == 0) return false;
        if (i < n && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < n && (s[i] == '+' || s[i] == '-')) i++;
            int exponentDigits = 0;
            for (; i < n && char.IsAsciiDigit(s[i]); i++) exponentDigits++;
            if (exponentDigits == 0) return false;
        }
        return i == n;
    }
}
