using System.CommandLine;
using InitLab.Propagation;

namespace InitLab.Cli;

/// <summary>Initializers that are neither Gaussian nor orthogonal: run on the explicit engine through the catalogue.</summary>
internal static class OtherSchemes
{
    public static WeightDistribution Resolve(string name, ParseResult pr, NetworkOptions options) =>
        throw new UsageException($"unknown initializer '{name}'; valid: normal, xavier_normal, kaiming_normal, orthogonal (glorot_* and he_* are aliases).");
}
