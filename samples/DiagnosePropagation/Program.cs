// Push a batch through a deep random ReLU network with two initializations and print the lab's diagnosis: N(0, 1)
// weights explode within a few layers, kaiming_normal keeps the signal's scale for 100 layers. Then mean-field theory
// for a tanh network: its phase, the depth scale xi_c and the critical sigma_w.
using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Theory;

// <readme>
foreach (string scheme in new[] { "normal", "kaiming_normal" })
{
    var spec = new NetworkSpec(width: 256, depth: 100, activation: "relu", WeightDistribution.FromScheme(scheme)) { Batch = 32 };
    var trace = Propagator.Run(spec, Engine.Explicit, seed: 1);
    var d = trace.Diagnosis;
    Console.WriteLine($"{scheme}: {d.VerdictName}, std x{d.GrowthPerLayer:G4} per layer, first non-finite layer {trace.FirstNonFiniteLayer?.ToString() ?? "none"}");
    if (d.Advice.Length > 0) Console.WriteLine($"  advice: {d.Advice}");
}

var tanh = new MeanFieldModel(Activation.Tanh, sigmaW: 1.5, sigmaB: 0.1).Analyze();
Console.WriteLine($"tanh, sigma_w 1.5, sigma_b 0.1: {tanh.Phase}, chi_1 = {tanh.Chi1:F4}, xi_c = {tanh.XiC:F2} layers");
Console.WriteLine($"critical sigma_w at sigma_b 0.1: {CriticalLine.SigmaW(Activation.Tanh, sigmaB: 0.1).SigmaW:F4}");
// </readme>
