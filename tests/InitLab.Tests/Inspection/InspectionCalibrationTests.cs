using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Inspection;

/// <summary>
/// Calibration of the verdict on purpose: fresh tensors of every scheme, at matrix and conv shapes in both layouts, over
/// many seeds. Every (scheme, shape, seed) draws from its own Philox stream, so the trials are independent.
/// </summary>
public sealed class InspectionCalibrationTests
{
    private static readonly (string Name, Func<FanLayout, Initializer> Create)[] Schemes =
    [
        ("torch_default", l => Init.TorchDefault(l)),
        ("kaiming_uniform", l => Init.KaimingUniform(layout: l)),
        ("kaiming_normal", l => Init.KaimingNormal(layout: l)),
        ("kaiming_normal(mode=fan_out)", l => Init.KaimingNormal(0, FanMode.FanOut, layout: l)),
        ("xavier_uniform", l => Init.XavierUniform(1, l)),
        ("xavier_normal", l => Init.XavierNormal(1, l)),
        ("lecun_normal", l => Init.LecunNormal(l)),
        ("lecun_uniform", l => Init.LecunUniform(l)),
        ("variance_scaling(scale=2, mode=fan_in, distribution=truncated_normal)", l => Init.VarianceScaling(2, FanMode.FanIn, VarianceDistribution.TruncatedNormal, l)),
        ("variance_scaling(scale=1, mode=fan_avg, distribution=truncated_normal)", l => Init.VarianceScaling(1, FanMode.FanAvg, VarianceDistribution.TruncatedNormal, l)),
        ("normal(std=0.02)", _ => Init.Normal(0, 0.02)),
        ("trunc_normal(std=0.02, low=-0.04, high=0.04)", _ => Init.TruncNormal(0, 0.02, -0.04, 0.04)),
        ("normal(std=1)", _ => Init.Normal(0, 1)),
        ("uniform(low=-0.05, high=0.05)", _ => Init.Uniform(-0.05, 0.05)),
    ];

    private static readonly (int[] Dims, FanLayout Layout)[] Shapes =
    [
        ([64, 32], FanLayout.Torch),
        ([24, 96], FanLayout.Torch),
        ([128, 64], FanLayout.Torch),
        ([32, 16, 3, 3], FanLayout.Torch),
        ([16, 8, 5], FanLayout.Torch),
        ([3, 3, 8, 16], FanLayout.Keras),
    ];

    private const int Seeds = 12;

    [Fact]
    public void Fresh_tensors_of_every_scheme_are_recognized_at_the_stated_alpha()
    {
        int trials = 0, falseTrained = 0, notInit = 0, rejected05 = 0, rejected001 = 0, confused = 0;
        var failures = new List<string>();
        ulong stream = 0;
        foreach (var (name, create) in Schemes)
            foreach (var (dims, layout) in Shapes)
            {
                var shape = new Shape(dims);
                var init = create(layout);
                for (int seed = 0; seed < Seeds; seed++)
                {
                    var w = init.Create<float>(shape, new Generator((ulong)seed, ++stream));
                    var r = TensorInspector.Inspect(w.Data, shape, new InspectionOptions { Layout = layout });
                    trials++;
                    var truth = r.Matches.Single(m => m.Name == name || m.Equivalents.Contains(name));
                    if (truth.PValue < 0.05) rejected05++;
                    if (truth.PValue < 1e-3) rejected001++;
                    if (r.Verdict == Verdict.Trained) falseTrained++;
                    if (r.Verdict != Verdict.Init) { notInit++; continue; }
                    // The match is the true scheme, a scheme with the same law at this shape (then listed as equivalent,
                    // and truth is that group), or an indistinguishable one that lists the truth among "also fits".
                    if (r.BestScheme!.Name != truth.Name && !r.BestScheme.AlsoFits.Contains(truth.Name))
                    {
                        confused++;
                        failures.Add($"{name} {shape} seed {seed}: {r.BestScheme}");
                    }
                }
            }
        Assert.Equal(Schemes.Length * Shapes.Length * Seeds, trials);
        Assert.True(confused == 0, string.Join("; ", failures));
        // Validity of the combined test: P(p_true < alpha) <= alpha. Bounds: binomial mean + 4 sd at 0.05 (50.4 + 27.7);
        // at 1e-3 the expected count is at most 1.0, and P(Poisson(1) >= 7) = 8e-5.
        Assert.True(rejected05 <= 78, $"{rejected05} of {trials} true schemes rejected at 0.05");
        Assert.True(rejected001 <= 6, $"{rejected001} of {trials} true schemes rejected at 1e-3");
        Assert.True(falseTrained <= rejected001, $"{falseTrained} called trained");
        Assert.True(notInit <= rejected001);
    }
}
