using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;
using InitLab.Numerics;

namespace InitLab.Tests.Numerics;

public class NumberTextTests
{
    // The grammar, written independently of the parser: [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits].
    private static readonly Regex Decimal = new(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant);

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-2e-3", -2e-3)]
    [InlineData("+0.25", 0.25)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("1E+20", 1e20)]
    [InlineData("0", 0.0)]
    [InlineData("4.9406564584124654E-324", double.Epsilon)]
    [InlineData("1.7976931348623157E+308", double.MaxValue)]
    public void Accepts_plain_decimal_numbers(string text, double expected)
    {
        Assert.True(NumberText.TryParseDouble(text, out double value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("1,5")]        // the "1,5" = 15 bug
    [InlineData("0,02")]
    [InlineData("1,1.5")]
    [InlineData("1,000")]
    [InlineData("1.5x")]
    [InlineData(" 1.5")]
    [InlineData("1.5 ")]
    [InlineData("1 000")]
    [InlineData("1_000")]
    [InlineData("0x10")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("e5")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("--1")]
    [InlineData("+-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-inf")]
    [InlineData("1e999")]      // overflows to infinity
    [InlineData("1e-999")]     // underflows to zero
    [InlineData("١")]          // ARABIC-INDIC DIGIT ONE: a Unicode digit, not an ASCII one
    [InlineData("１")]         // FULLWIDTH DIGIT ONE
    [InlineData("1.5\n")]
    public void Refuses_everything_else(string text)
    {
        Assert.False(NumberText.TryParseDouble(text, out double value));
        Assert.Equal(0, value);
        var e = Assert.Throws<ArgumentException>(() => NumberText.ParseDouble(text, "--sigma-w"));
        Assert.StartsWith("--sigma-w must be a finite number", e.Message);
        Assert.Contains($"'{text}'", e.Message);
    }

    [Theory]
    [InlineData("NaN", double.NaN)]
    [InlineData("nan", double.NaN)]
    [InlineData("Infinity", double.PositiveInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    [InlineData("+inf", double.PositiveInfinity)]
    public void Reads_NaN_and_infinities_only_when_allowed(string text, double expected)
    {
        Assert.False(NumberText.TryParseDouble(text, out _));
        Assert.True(NumberText.TryParseDouble(text, out double value, allowNonFinite: true));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void A_comma_message_suggests_the_dotted_number()
    {
        var e = Assert.Throws<ArgumentException>(() => NumberText.ParseDouble("0,02", "--std"));
        Assert.Contains("write 0.02", e.Message);
        e = Assert.Throws<ArgumentException>(() => NumberText.ParseDouble("1,1.5", "--sigma-w"));
        Assert.DoesNotContain("write", e.Message);
        Assert.Contains("',' is not allowed", e.Message);
    }

    [Theory]
    [InlineData("64", 64)]
    [InlineData("-3", -3)]
    [InlineData("+7", 7)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("-2147483648", int.MinValue)]
    public void Accepts_integers(string text, int expected)
    {
        Assert.True(NumberText.TryParseInt32(text, out int value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("2147483648", "outside")]
    [InlineData("1e3", "whole number")]
    [InlineData("1.0", "whole number")]
    [InlineData("1,000", "','")]
    [InlineData(" 1", "white space")]
    [InlineData("", "empty")]
    public void Refuses_non_integers_and_says_why(string text, string why)
    {
        Assert.False(NumberText.TryParseInt32(text, out _));
        var e = Assert.Throws<ArgumentException>(() => NumberText.ParseInt32(text, "--width"));
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Lists_split_on_commas_and_refuse_empty_elements()
    {
        Assert.Equal([0.5, 1, 2], NumberText.ParseDoubleList("0.5,1,2", "x"));
        Assert.Equal([64, 32, 10], NumberText.ParseInt32List("64, 32 ,10", "x"));
        Assert.Throws<ArgumentException>(() => NumberText.ParseInt32List("64,,10", "x"));
        Assert.Throws<ArgumentException>(() => NumberText.ParseInt32List("64,", "x"));
        Assert.Throws<ArgumentException>(() => NumberText.ParseInt32List("", "x"));
        Assert.Throws<ArgumentException>(() => NumberText.ParseDoubleList("1;2", "x"));
    }

    // Properties (CsCheck): every finite double survives its round-trip text; what is accepted is exactly the grammar
    // with the value double.Parse gives; nothing with a ',' or white space is ever accepted; nothing throws.

    [Fact]
    public void Every_finite_double_round_trips_through_its_invariant_text() =>
        Gen.Double.Where(double.IsFinite).Sample(d =>
        {
            string text = d.ToString("R", CultureInfo.InvariantCulture);
            return NumberText.TryParseDouble(text, out double back) && BitConverter.DoubleToInt64Bits(back) == BitConverter.DoubleToInt64Bits(d);
        }, iter: 20_000);

    private static readonly Gen<string> NumberLike = Gen.String[Gen.Char["0123456789.,eE+- _xinfaNIty\t"], 0, 12];

    [Fact]
    public void Whatever_is_accepted_matches_the_grammar_and_double_Parse() =>
        NumberLike.Sample(text =>
        {
            bool accepted = NumberText.TryParseDouble(text, out double value);
            if (!accepted) return !Decimal.IsMatch(text) || Overflows(text);
            return Decimal.IsMatch(text) && value == double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) && double.IsFinite(value);
        }, iter: 50_000);

    [Fact]
    public void Text_with_a_comma_or_white_space_is_never_a_number() =>
        Gen.Select(Gen.Double.Where(double.IsFinite), Gen.Int[0, 3]).Sample((d, how) =>
        {
            // A number as a culture with a decimal comma, or with a thousands separator, or padded, would write it.
            string text = d.ToString("F3", CultureInfo.InvariantCulture);
            string bad = how switch
            {
                0 => text.Replace('.', ','),
                1 => "1," + text.TrimStart('-'),
                2 => " " + text,
                _ => text + " ",
            };
            return !NumberText.TryParseDouble(bad, out _) && !NumberText.TryParseInt32(bad, out _) && !NumberText.TryParseInt64(bad, out _);
        }, iter: 20_000);

    [Fact]
    public void No_string_makes_a_parser_throw() =>
        Gen.String.Sample(text =>
        {
            NumberText.TryParseDouble(text, out _);
            NumberText.TryParseDouble(text, out _, allowNonFinite: true);
            NumberText.TryParseInt32(text, out _);
            NumberText.TryParseInt64(text, out _);
            try
            {
                NumberText.ParseDoubleList(text, "x");
            }
            catch (ArgumentException)
            {
            }
        }, iter: 20_000);

    [Fact]
    public void Every_int_and_long_round_trips_and_nothing_else_is_an_integer()
    {
        Gen.Int.Sample(i => NumberText.TryParseInt32(i.ToString(CultureInfo.InvariantCulture), out int back) && back == i, iter: 20_000);
        Gen.Long.Sample(i => NumberText.TryParseInt64(i.ToString(CultureInfo.InvariantCulture), out long back) && back == i, iter: 20_000);
        NumberLike.Sample(text => !NumberText.TryParseInt64(text, out _) || Regex.IsMatch(text, "^[+-]?[0-9]+$"), iter: 50_000);
    }

    [Fact]
    public void Lists_of_numbers_round_trip() =>
        Gen.Double.Where(double.IsFinite).Array[1, 8].Sample(values =>
        {
            string text = string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            return NumberText.ParseDoubleList(text, "x").SequenceEqual(values);
        }, iter: 5_000);

    private static bool Overflows(string text)
    {
        double v = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsInfinity(v) || (v == 0 && Regex.IsMatch(text, "^[^eE]*[1-9]"));
    }
}
