using CsCheck;
using InitLab.Networks.Families;
using InitLab.Numerics;

namespace InitLab.Tests.Networks;

/// <summary>
/// Property tests (CsCheck) of the model-string parser (<c>--model FAMILY:key=value,...</c>): its numbers are read by
/// the one strict number syntax (<see cref="NumberText"/>), and any text is either read or refused with one line that
/// names the family or the key, never another exception.
/// </summary>
public class ModelStringPropertyTests
{
    private static readonly Gen<string> NumberLike = Gen.String[Gen.Char["0123456789.,eE+- _xNaIfity"], 1, 10];

    private static string? Refusal(Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    [Fact]
    public void An_integer_key_accepts_exactly_the_strict_integers_in_range()
    {
        NumberLike.Sample(text =>
        {
            int value = 0;
            string? refusal = Refusal(() => value = ModelFamilies.Parse("mlp:depth=" + text).Arguments.Integer("depth"));
            // Parse trims a value and splits pairs at commas; what is left must be a strict integer >= 1.
            int expected = 0;
            bool strict = !text.Contains(',') && NumberText.TryParseInt32(text.Trim(), out expected) && expected >= 1;
            if (strict) return refusal is null && value == expected;
            return refusal is not null && refusal.StartsWith("model 'mlp': ", StringComparison.Ordinal) && !refusal.Contains('\n');
        }, iter: 5_000);
    }

    [Fact]
    public void A_number_key_accepts_exactly_the_strict_finite_numbers()
    {
        NumberLike.Sample(text =>
        {
            double? value = null;
            string? refusal = Refusal(() => value = ModelFamilies.Parse("mlp:residual=" + text).Arguments.NumberOrNone("residual"));
            double expected = 0;
            bool strict = !text.Contains(',') && NumberText.TryParseDouble(text.Trim(), out expected);
            if (strict) return refusal is null && value == expected;
            return refusal is not null && refusal.StartsWith("model 'mlp': ", StringComparison.Ordinal) && !refusal.Contains('\n');
        }, iter: 5_000);
    }

    [Theory]
    [InlineData("mlp:residual=1e-999", "residual")] // used to read as 0: a plain residual sum with a vanished branch
    [InlineData("mlp:input_variance=1e999", "input_variance")]
    [InlineData("mlp:depth=1_0", "depth")]
    [InlineData("transformer:dim=0x40", "dim")]
    public void Numbers_that_would_change_their_value_are_refused_naming_the_key(string model, string key)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFamilies.Build(model));
        Assert.Contains($"key '{key}' must be", e.Message);
    }

    [Fact]
    public void Any_model_string_is_read_or_refused_with_one_line()
    {
        // Fragments of real model strings, glued at random: families, keys, separators, values.
        string[] fragments = ["mlp", "cnn", "resnet", "transformer", "vgg", ":", ",", "=", " ", "depth", "width", "blocks",
            "heads", "dim", "act", "relu", "tanh", "norm", "batch", "none", "true", "yes", "residual", "1", "0", "-3", "2.5", "1e-999", ""];
        Gen.Int[0, fragments.Length - 1].Select(i => fragments[i]).Array[0, 12].Select(parts => string.Concat(parts)).Sample(model =>
        {
            try
            {
                var (family, arguments) = ModelFamilies.Parse(model);
                return family.Name.Length > 0 && arguments.ToString().StartsWith(family.Name + ":", StringComparison.Ordinal);
            }
            catch (ArgumentException e)
            {
                return e.Message.Length > 0 && !e.Message.Contains('\n');
            }
        }, iter: 5_000);
    }
}
