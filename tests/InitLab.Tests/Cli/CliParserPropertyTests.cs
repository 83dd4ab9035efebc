using System.CommandLine;
using System.Globalization;
using CsCheck;
using InitLab.Cli;
using InitLab.Numerics;
using InitLab.Propagation;
using InitLab.Tensors;

namespace InitLab.Tests.Cli;

/// <summary>
/// Property tests (CsCheck) of every parser the CLI uses: numbers (through the options made by CliOptions), shapes,
/// grids and shards. Each property states what must hold for every input, not for a few examples.
/// </summary>
public class CliParserPropertyTests
{
    private static (ParseResult Result, T? Value) Parse<T>(Option<T> option, string token)
    {
        var command = new Command("probe") { option };
        var result = command.Parse([option.Name, token]);
        return (result, result.Errors.Count == 0 ? result.GetValue(option) : default);
    }

    // "--" alone is System.CommandLine's end-of-options marker, not a value.
    private static readonly Gen<string> NumberLike = Gen.String[Gen.Char["0123456789.,eE+- _xNaIfity"], 0, 10].Where(t => t != "--");

    [Fact]
    public void A_real_option_accepts_exactly_the_strict_numbers_within_its_bounds()
    {
        var option = CliOptions.OptionalDouble("--sigma-w", "test", Bounds.NonNegative);
        NumberLike.Sample(text =>
        {
            var (result, value) = Parse(option, text);
            bool strict = NumberText.TryParseDouble(text, out double expected);
            if (strict && expected >= 0) return result.Errors.Count == 0 && value == expected;
            // Refused, with one message that names the option and quotes the text (or gives the bound).
            return result.Errors.Count == 1 && result.Errors[0].Message.StartsWith("--sigma-w must be", StringComparison.Ordinal);
        }, iter: 5_000);
    }

    [Fact]
    public void An_integer_option_accepts_exactly_the_strict_integers_in_range()
    {
        var option = CliOptions.Int("--width", "test", 1, min: 1, max: 1000);
        Gen.OneOf(NumberLike, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))).Sample(text =>
        {
            var (result, value) = Parse(option, text);
            bool ok = NumberText.TryParseInt32(text, out int expected) && expected is >= 1 and <= 1000;
            return ok ? result.Errors.Count == 0 && value == expected : result.Errors.Count == 1 && result.Errors[0].Message.StartsWith("--width must be", StringComparison.Ordinal);
        }, iter: 5_000);
    }

    [Fact]
    public void Every_finite_value_given_to_a_real_option_is_read_back_exactly()
    {
        var option = CliOptions.Double("--param", "test", 0);
        Gen.Double.Where(double.IsFinite).Sample(d =>
        {
            var (result, value) = Parse(option, d.ToString("R", CultureInfo.InvariantCulture));
            return result.Errors.Count == 0 && BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(d);
        }, iter: 5_000);
    }

    [Fact]
    public void Shapes_round_trip_in_every_spelling()
    {
        Gen.Int[0, 4096].Array[1, 5].Sample(dims =>
        {
            if (dims.Aggregate(1.0, (p, d) => p * d) > Array.MaxLength) return true;
            string[] spellings = [string.Join(",", dims), "(" + string.Join(", ", dims) + (dims.Length == 1 ? ",)" : ")"), string.Join("x", dims), "[" + string.Join(",", dims) + "]"];
            return spellings.All(s => Shape.Parse(s).Dims.SequenceEqual(dims));
        }, iter: 5_000);
    }

    [Fact]
    public void Shape_parse_refuses_cleanly_and_never_reads_a_comma_decimal()
    {
        Gen.String[Gen.Char["0123456789,.x()[] -e"], 0, 14].Sample(text =>
        {
            try
            {
                var shape = Shape.Parse(text);
                // Whatever is accepted is a list of non-negative integers that spells the text back.
                return shape.Dims.ToArray().All(d => d >= 0) && !text.Contains('.') && !text.Contains('e');
            }
            catch (ArgumentException)
            {
                return true;
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Grids_round_trip_and_their_values_span_start_to_stop()
    {
        Gen.Select(Gen.Double[0, 100], Gen.Double[0, 100], Gen.Int[1, 1000]).Sample((start, stop, count) =>
        {
            if (count == 1) stop = start;
            var grid = ParameterGrid.Parse(FormattableString.Invariant($"{start:R}:{stop:R}:{count}"), "--sigma-w");
            return grid == new ParameterGrid(start, stop, count) && ParameterGrid.Parse(grid.ToString(), "x") == grid
                && grid[0] == start && grid[count - 1] == stop;
        }, iter: 10_000);
    }

    [Fact]
    public void Grid_parse_refuses_cleanly()
    {
        Gen.String[Gen.Char["0123456789:.,e-+N "], 0, 12].Sample(text =>
        {
            try
            {
                var grid = ParameterGrid.Parse(text, "--sigma-w");
                return grid.Count is >= 1 and <= ParameterGrid.MaxCount && double.IsFinite(grid.Start) && double.IsFinite(grid.Stop) && !text.Contains(',');
            }
            catch (ArgumentException e)
            {
                return e.Message.StartsWith("--sigma-w", StringComparison.Ordinal);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Shards_parse_and_partition_the_grid_exactly_once()
    {
        Gen.Select(Gen.Int[1, 50], Gen.Int[0, 500]).Sample((n, total) =>
        {
            var seen = new List<int>();
            for (int k = 1; k <= n; k++)
            {
                var shard = Shard.Parse($"{k}/{n}", "--shard");
                if (shard != new Shard(k, n) || shard.ToString() != $"{k}/{n}") return false;
                seen.AddRange(shard.Cells(total));
            }
            return seen.SequenceEqual(Enumerable.Range(0, total));
        }, iter: 2_000);
    }

    [Fact]
    public void Shard_parse_refuses_cleanly()
    {
        Gen.String[Gen.Char["0123456789/.,- "], 0, 8].Sample(text =>
        {
            try
            {
                var shard = Shard.Parse(text, "--shard");
                return shard.Index >= 1 && shard.Index <= shard.Count && Shard.Parse(shard.ToString()) == shard && !text.Contains('.') && !text.Contains(',');
            }
            catch (ArgumentException e)
            {
                return e.Message.StartsWith("--shard must be K/N", StringComparison.Ordinal);
            }
        }, iter: 20_000);
    }
}
