using InitLab.Tensors;

namespace InitLab.Formats.Npy;

/// <summary>An array read from a .npy file: its dtype descriptor, its shape, and its elements widened to double in C (row-major) order.</summary>
/// <param name="Descr">The NumPy dtype descriptor: "&lt;f2", "&lt;f4" or "&lt;f8".</param>
/// <param name="Shape">The array shape.</param>
/// <param name="FortranOrder">True when the file stored the data in Fortran (column-major) order; <paramref name="Data"/> is C order either way.</param>
/// <param name="Data">The elements in C order.</param>
public sealed record NpyArray(string Descr, Shape Shape, bool FortranOrder, double[] Data)
{
    /// <summary>Unit roundoff of the stored type (2^-11, 2^-24, 2^-53), for comparisons that allow for the file's rounding.</summary>
    public double UnitRoundoff => Descr switch
    {
        "<f2" => Math.Pow(2, -11),
        "<f4" => Math.Pow(2, -24),
        _ => Math.Pow(2, -53),
    };

    /// <summary>The NumPy dtype name: float16, float32 or float64.</summary>
    public string DType => Descr switch
    {
        "<f2" => "float16",
        "<f4" => "float32",
        _ => "float64",
    };
}
