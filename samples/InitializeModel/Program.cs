// Initialize the weights of a small MLP (784 -> 256 -> 10, ReLU) as PyTorch's kaiming_normal_ would, then check each
// tensor's std against the target std = gain / sqrt(fan_in), gain = sqrt(2) for ReLU.
using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

// <readme>
var layers = new[] { (Name: "fc1.weight", Shape: new Shape(256, 784)), (Name: "fc2.weight", Shape: new Shape(10, 256)) };
var init = Init.KaimingNormal(Activation.Relu);       // or Init.KaimingNormal(nonlinearity: "relu")
var generator = new Generator(seed: 42);               // Philox4x32-10: the same bits on any thread count
for (int i = 0; i < layers.Length; i++)
{
    var (name, shape) = layers[i];
    var w = DenseTensor<float>.Zeros(shape);
    init.Fill(w, generator.Fork((ulong)i));             // one stream per tensor
    double target = init.TargetStd(shape);             // gain / sqrt(fan_in) = sqrt(2 / fan_in)
    Console.WriteLine($"{name} {shape}: std {Stats.Of(w).Std:F5}, target {target:F5}");
}
// </readme>
