using System.Globalization;

namespace InitLab.Formats.Npy;

/// <summary>
/// Parses the Python dict literal of a .npy header, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 5), }</c>:
/// exactly the keys descr (a string), fortran_order (True / False) and shape (a tuple of non-negative integers).
/// Anything else is an <see cref="InvalidDataException"/>.
/// </summary>
internal static class HeaderParser
{
    public static (string Descr, bool Fortran, long[] Shape) Parse(string text, string name)
    {
        int pos = 0;
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        Skip(text, ref pos);
        Expect(text, ref pos, '{', name);
        while (true)
        {
            Skip(text, ref pos);
            if (Peek(text, pos) == '}') { pos++; break; }
            string key = ParseString(text, ref pos, name);
            Skip(text, ref pos);
            Expect(text, ref pos, ':', name);
            Skip(text, ref pos);
            switch (key)
            {
                case "descr" when descr is null:
                    descr = ParseString(text, ref pos, name);
                    break;
                case "fortran_order" when fortran is null:
                    fortran = ParseBool(text, ref pos, name);
                    break;
                case "shape" when shape is null:
                    shape = ParseTuple(text, ref pos, name);
                    break;
                default:
                    throw NpyFormat.Corrupt(name, $"the header has an unexpected or repeated key '{key}'");
            }
            Skip(text, ref pos);
            if (Peek(text, pos) == ',') { pos++; continue; }
            Skip(text, ref pos);
            Expect(text, ref pos, '}', name);
            break;
        }
        Skip(text, ref pos);
        if (pos != text.Length) throw NpyFormat.Corrupt(name, "the header has text after its dict");
        if (descr is null || fortran is null || shape is null)
            throw NpyFormat.Corrupt(name, "the header lacks one of the keys 'descr', 'fortran_order', 'shape'");
        return (descr, fortran.Value, shape);
    }

    private static char Peek(string text, int pos) => pos < text.Length ? text[pos] : '\0';

    private static void Skip(string text, ref int pos)
    {
        while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) pos++;
    }

    private static void Expect(string text, ref int pos, char c, string name)
    {
        if (Peek(text, pos) != c) throw NpyFormat.Corrupt(name, $"the header has '{Shown(text, pos)}' at offset {pos} where '{c}' was expected");
        pos++;
    }

    private static string Shown(string text, int pos) => pos < text.Length ? text[pos].ToString() : "end of header";

    private static string ParseString(string text, ref int pos, string name)
    {
        char quote = Peek(text, pos);
        if (quote is not ('\'' or '"')) throw NpyFormat.Corrupt(name, $"the header has '{Shown(text, pos)}' at offset {pos} where a quoted string was expected");
        int end = text.IndexOf(quote, pos + 1);
        if (end < 0 || end - pos > 64) throw NpyFormat.Corrupt(name, "the header has an unterminated or overlong string");
        string s = text.Substring(pos + 1, end - pos - 1);
        pos = end + 1;
        return s;
    }

    private static bool ParseBool(string text, ref int pos, string name)
    {
        if (string.CompareOrdinal(text, pos, "True", 0, 4) == 0) { pos += 4; return true; }
        if (string.CompareOrdinal(text, pos, "False", 0, 5) == 0) { pos += 5; return false; }
        throw NpyFormat.Corrupt(name, "fortran_order is neither True nor False");
    }

    private static long[] ParseTuple(string text, ref int pos, string name)
    {
        Expect(text, ref pos, '(', name);
        var dims = new List<long>();
        while (true)
        {
            Skip(text, ref pos);
            if (Peek(text, pos) == ')') { pos++; break; }
            int start = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
            // Python 2 era writers appended 'L' to long integers.
            string digits = text[start..pos];
            if (Peek(text, pos) == 'L') pos++;
            if (digits.Length == 0 || digits.Length > 12 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long d))
                throw NpyFormat.Corrupt(name, $"the shape has '{Shown(text, start)}' at offset {start} where a non-negative integer was expected");
            dims.Add(d);
            if (dims.Count > 64) throw NpyFormat.Corrupt(name, "the shape has more than 64 dimensions");
            Skip(text, ref pos);
            if (Peek(text, pos) == ',') { pos++; continue; }
            Expect(text, ref pos, ')', name);
            break;
        }
        return [.. dims];
    }
}
