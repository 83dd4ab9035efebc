using System.Text;
using System.Text.Json.Nodes;
using InitLab.Formats.Sweeps;
using InitLab.Propagation;
using InitLab.Tests.Propagation;

namespace InitLab.Tests.Formats;

/// <summary>
/// Fuzzes the sweep-document reader (what <c>initlab merge</c> reads) with 100,000 mutations of valid documents: bit
/// flips, interesting bytes, deleted, duplicated and spliced ranges, truncations, replaced number and string tokens,
/// and structural edits (keys removed, values of the wrong type, cells duplicated or reordered). Every input must
/// either be read as a valid document (which then survives a write and re-read unchanged) or be refused with an
/// <see cref="InvalidDataException"/> whose one-line message names the source; any other exception is a crash.
/// Deterministic: the mutations come from a fixed seed.
/// </summary>
public class SweepJsonFuzzTests
{
    private const int Iterations = 100_000;

    private static readonly string[] InterestingNumbers =
        ["0", "-0", "-1", "1e999", "-1e999", "1e-999", "2147483648", "-2147483649", "18446744073709551616", "1.5", "0.1", "1e308", "99999", "\"NaN\"",
         "\"Infinity\"", "null", "true", "\"\"", "[]", "{}", "4294967296", "3"];

    private static readonly string[] InterestingStrings =
        ["\"\"", "\"relu\"", "\"leaky_relu\"", "\"nope\"", "\"1/1\"", "\"0/0\"", "\"2/1\"", "\"1:2:3\"", "\"1,5:2:2\"", "\"0:0:1\"", "\"NaN\"",
         "\"explicit\"", "\"meanfield\"", "\"initlab-sweep\"", "\"\\u0000\"", "\"\\ud800\"", "\"" + new string('x', 300) + "\"", "1", "null"];

    private static readonly byte[] InterestingBytes = "{}[]\",:-+.0123456789eE nul\\\0\xff"u8.ToArray().Concat(new byte[] { 0xC3, 0x80, 0xFF, 0xFE }).ToArray();

    [Fact]
    public void One_hundred_thousand_mutated_documents_are_read_or_refused_cleanly() =>
        Run(Seeds(), 20240611, "sweep", input =>
        {
            var doc = SweepJson.Read(input, "fuzz");
            // Whatever is accepted is a valid document that writes and reads back to itself.
            var again = SweepJson.Read(SweepJson.Write(doc), "fuzz");
            Assert.Null(doc.Settings.FirstDifference(again.Settings));
            Assert.Equal(doc.Cells, again.Cells);
        });

    [Fact]
    public void A_quoted_value_with_a_newline_is_refused_on_one_line()
    {
        string text = SweepJson.Write(Sweep.Run(SweepDocumentTests.Settings(), Shard.Whole));
        var node = JsonNode.Parse(text)!.AsObject();
        node["act"] = "t\nh";
        var e = Assert.Throws<InvalidDataException>(() => SweepJson.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), "fuzz"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("\"act\" is 't\\u000ah'", e.Message);
    }

    /// <summary>
    /// Feeds <see cref="Iterations"/> mutations of <paramref name="seeds"/> to <paramref name="readAndRoundTrip"/>: each one must
    /// be read (and round-trip) or be refused with a one-line <see cref="InvalidDataException"/> that names the source
    /// ('fuzz') and the document <paramref name="kind"/>; any other exception is a crash. Both outcomes must be reached.
    /// </summary>
    internal static void Run(byte[][] seeds, int seed, string kind, Action<byte[]> readAndRoundTrip)
    {
        var random = new System.Random(seed);
        int accepted = 0, refused = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutate(seeds[random.Next(seeds.Length)], random);
            try
            {
                readAndRoundTrip(input);
                accepted++;
            }
            catch (InvalidDataException e)
            {
                if (!e.Message.StartsWith($"'fuzz' is not a valid InitLab {kind} document: ", StringComparison.Ordinal) || e.Message.Contains('\n'))
                    Assert.Fail($"unclean rejection '{e.Message}' of input {Convert.ToBase64String(input)}");
                refused++;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"crash {e.GetType().Name}: {e.Message} on input {Convert.ToBase64String(input)}");
            }
        }
        Assert.Equal(Iterations, accepted + refused);
        // The mutations reach both outcomes (a fuzzer that only ever produced garbage would test the tokenizer alone).
        Assert.True(accepted > 1000, $"{accepted} accepted");
        Assert.True(refused > Iterations / 2, $"{refused} refused");
    }

    private static byte[][] Seeds()
    {
        // A fixed version string: the library's own carries the commit, and the mutations must not change with it.
        const string version = "1.0.0+fuzz";
        var plain = SweepDocumentTests.Settings() with { InitLabVersion = version };
        var docs = new[]
        {
            Sweep.Run(plain, Shard.Whole),
            Sweep.Run(plain, new Shard(2, 3)),
            Sweep.Run(SweepDocumentTests.Settings(residual: 0.5) with { Activation = "leaky_relu", ActivationParameter = 0.2, InitLabVersion = version }, new Shard(1, 2)),
            Sweep.Run(plain with { Engine = "meanfield", SigmaW = new ParameterGrid(0, 8, 3), SigmaB = new ParameterGrid(0, 0, 1) }, Shard.Whole),
        };
        var texts = docs.Select(SweepJson.Write).ToList();
        // One with non-finite numbers written by the convention.
        var node = JsonNode.Parse(texts[0])!.AsObject();
        node["cells"]![0]!["final_std"] = "NaN";
        node["cells"]![1]!["final_std"] = "Infinity";
        texts.Add(node.ToJsonString());
        return [.. texts.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>One mutation of a JSON document (also used for the other result documents, whose cells live under "cells" too).</summary>
    internal static byte[] Mutate(byte[] seed, System.Random r)
    {
        var b = new List<byte>(seed);
        int rounds = 1 + (r.Next(4) == 0 ? r.Next(4) : 0);
        for (int k = 0; k < rounds && b.Count > 0; k++)
        {
            switch (r.Next(10))
            {
                case 0: // flip a bit
                    {
                        int i = r.Next(b.Count);
                        b[i] ^= (byte)(1 << r.Next(8));
                        break;
                    }
                case 1: // an interesting byte
                    b[r.Next(b.Count)] = InterestingBytes[r.Next(InterestingBytes.Length)];
                    break;
                case 2: // delete a range
                    {
                        int i = r.Next(b.Count), n = Math.Min(b.Count - i, 1 + r.Next(16));
                        b.RemoveRange(i, n);
                        break;
                    }
                case 3: // duplicate a range
                    {
                        int i = r.Next(b.Count), n = Math.Min(b.Count - i, 1 + r.Next(64));
                        b.InsertRange(r.Next(b.Count), b.GetRange(i, n));
                        break;
                    }
                case 4: // truncate
                    {
                        int keep = r.Next(b.Count);
                        b.RemoveRange(keep, b.Count - keep);
                        break;
                    }
                case 5:
                case 6: // replace a number token
                    ReplaceToken(b, r, isNumber: true);
                    break;
                case 7: // replace a string token
                    ReplaceToken(b, r, isNumber: false);
                    break;
                default: // a structural edit
                    return Structural(seed, r) ?? [.. b];
            }
        }
        return [.. b];
    }

    private static readonly System.Text.RegularExpressions.Regex NumberToken = new(@"(?<=[:\[,]\s*)-?[0-9][0-9.eE+-]*", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex StringToken = new("\"(?:[^\"\\\\]|\\\\.)*\"", System.Text.RegularExpressions.RegexOptions.Compiled);

    // Picks a random number (or string) token and replaces it with an interesting one.
    private static void ReplaceToken(List<byte> b, System.Random r, bool isNumber)
    {
        var text = Encoding.UTF8.GetString([.. b]);
        var matches = (isNumber ? NumberToken : StringToken).Matches(text);
        if (matches.Count == 0) return;
        var m = matches[r.Next(matches.Count)];
        string replacement = isNumber ? InterestingNumbers[r.Next(InterestingNumbers.Length)] : InterestingStrings[r.Next(InterestingStrings.Length)];
        var result = Encoding.UTF8.GetBytes(text[..m.Index] + replacement + text[(m.Index + m.Length)..]);
        b.Clear();
        b.AddRange(result);
    }

    private static byte[]? Structural(byte[] seed, System.Random r)
    {
        var root = JsonNode.Parse(seed)!.AsObject();
        var keys = root.Select(p => p.Key).ToList();
        var cells = root["cells"]!.AsArray();
        switch (r.Next(6))
        {
            case 0:
                root.Remove(keys[r.Next(keys.Count)]);
                break;
            case 1:
                root[keys[r.Next(keys.Count)]] = r.Next(3) switch { 0 => null, 1 => JsonValue.Create("x"), _ => JsonValue.Create(r.Next(-5, 100000)) };
                break;
            case 2 when cells.Count > 0:
                cells.Add(cells[r.Next(cells.Count)]!.DeepClone());
                break;
            case 3 when cells.Count > 1:
                {
                    var first = cells[0]!.DeepClone();
                    cells[0] = cells[^1]!.DeepClone();
                    cells[^1] = first;
                    break;
                }
            case 4 when cells.Count > 0:
                {
                    var cell = cells[r.Next(cells.Count)]!.AsObject();
                    var cellKeys = cell.Select(p => p.Key).ToList();
                    if (r.Next(2) == 0) cell.Remove(cellKeys[r.Next(cellKeys.Count)]);
                    else cell[cellKeys[r.Next(cellKeys.Count)]] = r.Next(2) == 0 ? null : JsonValue.Create(-r.Next(1000));
                    break;
                }
            default:
                return null;
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
