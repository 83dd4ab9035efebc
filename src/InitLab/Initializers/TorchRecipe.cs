using System.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// The <c>torch.nn.init</c> call a variance-scaling preset stands for, with PyTorch's own arguments: the torch
/// generator must compute bounds as PyTorch does (std = gain sqrt(2 / (fan_in + fan_out)), gain / sqrt(fan)), which can
/// differ in the last bit from sqrt(scale / fan) with scale = gain^2.
/// </summary>
internal sealed record TorchRecipe(TorchRecipe.Function Kind, double Gain = 1, double A = 0, FanMode Mode = FanMode.FanIn, string Nonlinearity = "leaky_relu")
{
    /// <summary>The torch.nn.init function.</summary>
    internal enum Function
    {
        XavierUniform,
        XavierNormal,
        KaimingUniform,
        KaimingNormal,
    }

    public void Fill<T>(Span<T> weights, Shape shape, TorchGenerator generator) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (Kind)
        {
            case Function.XavierUniform: TorchInit.XavierUniform(weights, shape, generator, Gain); break;
            case Function.XavierNormal: TorchInit.XavierNormal(weights, shape, generator, Gain); break;
            case Function.KaimingUniform: TorchInit.KaimingUniform(weights, shape, generator, A, Mode, Nonlinearity); break;
            default: TorchInit.KaimingNormal(weights, shape, generator, A, Mode, Nonlinearity); break;
        }
    }
}
