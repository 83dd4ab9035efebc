// Audit a weight tensor: which initialization is it, or has it been trained? A fresh xavier_uniform draw is recognised
// as such; the same tensor with a rank-one "learned" direction added has a singular value far above the
// Marchenko-Pastur edge of i.i.d. noise, and is called trained.
using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Random;
using InitLab.Tensors;

// <readme>
var shape = new Shape(128, 256);
var w = new float[shape.Size];
Init.XavierUniform().Fill<float>(w, shape, new Generator(seed: 7));
var fresh = TensorInspector.Inspect(w, shape);
Console.WriteLine($"fresh:   {fresh.Verdict}, best scheme {fresh.BestScheme}, sigma_max / MP edge {fresh.Spectrum!.SigmaMax / fresh.Spectrum.MpEdge:F2}");

// What training does to a matrix: a low-rank direction on top of the noise (here u v^T with |u| = |v| = 1, times 3).
for (int i = 0; i < shape[0]; i++)
    for (int j = 0; j < shape[1]; j++)
        w[i * shape[1] + j] += 3f * MathF.Cos(i) * MathF.Sin(j) / MathF.Sqrt(shape[0] * shape[1] / 4f);
var trained = TensorInspector.Inspect(w, shape);
Console.WriteLine($"trained: {trained.Verdict} ({trained.Reason})");
// </readme>
