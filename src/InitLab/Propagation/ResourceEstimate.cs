using System.Globalization;

namespace InitLab.Propagation;

/// <summary>
/// What a run will need, estimated from its arguments before it starts: peak memory in bytes, split into the parts that
/// grow with one setting each (so a refusal can name the setting to reduce), and arithmetic operations. Estimates are
/// in double so that absurd arguments (a depth of 10^9, a width of 10^8) are estimated rather than overflowed.
/// </summary>
/// <param name="Parts">Peak memory by the setting it grows with, e.g. ("depth", 2.6e11): every part is a lower bound
/// of what that setting alone costs.</param>
/// <param name="Operations">Floating-point operations (multiply-adds counted as 2), roughly.</param>
public sealed record ResourceEstimate(IReadOnlyList<(string Setting, double Bytes)> Parts, double Operations)
{
    /// <summary>Total peak memory in bytes.</summary>
    public double Bytes => Parts.Sum(p => p.Bytes);

    /// <summary>The setting whose part of the memory is largest (the one to reduce).</summary>
    public string Dominant => Parts.Count == 0 ? "" : Parts.MaxBy(p => p.Bytes).Setting;

    /// <summary>This estimate for <paramref name="runs"/> runs made one after another (memory is reused, work adds up).</summary>
    public ResourceEstimate Sequential(double runs) => this with { Operations = Operations * runs };

    /// <summary>A byte count for messages: 1.2 GB, 340 MB, ... (powers of 1000).</summary>
    public static string FormatBytes(double bytes)
    {
        string[] units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
        int u = 0;
        while (bytes >= 1000 && u < units.Length - 1)
        {
            bytes /= 1000;
            u++;
        }
        return u == 0 ? $"{bytes.ToString("0", CultureInfo.InvariantCulture)} bytes" : $"{bytes.ToString("0.#", CultureInfo.InvariantCulture)} {units[u]}";
    }

    /// <summary>Bytes kept per layer of a trace (a <see cref="LayerTrace"/> with its pre-activation statistics and list slot).</summary>
    internal const double TraceBytesPerLayer = 256;
}
