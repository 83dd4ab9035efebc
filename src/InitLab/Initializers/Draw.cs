using System.Numerics;
using System.Runtime.InteropServices;
using InitLab.Random;

namespace InitLab.Initializers;

/// <summary>
/// Generic front of the generator's fills: float and double spans use their own fills; any other IEEE type
/// (e.g. Half) is sampled in double and rounded once.
/// </summary>
internal static class Draw
{
    public static void Uniform<T>(Generator g, Span<T> x, double low, double high, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return;
        if (typeof(T) == typeof(float)) g.Uniform(MemoryMarshal.Cast<T, float>(x), (float)low, (float)high, threads);
        else if (typeof(T) == typeof(double)) g.Uniform(MemoryMarshal.Cast<T, double>(x), low, high, threads);
        else Widened(x, d => g.Uniform(d, low, high, threads));
    }

    public static void Normal<T>(Generator g, Span<T> x, double mean, double std, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return;
        if (typeof(T) == typeof(float)) g.Normal(MemoryMarshal.Cast<T, float>(x), (float)mean, (float)std, threads);
        else if (typeof(T) == typeof(double)) g.Normal(MemoryMarshal.Cast<T, double>(x), mean, std, threads);
        else Widened(x, d => g.Normal(d, mean, std, threads));
    }

    public static void TruncatedNormal<T>(Generator g, Span<T> x, double mean, double std, double a, double b, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return;
        if (typeof(T) == typeof(float)) g.TruncatedNormal(MemoryMarshal.Cast<T, float>(x), (float)mean, (float)std, (float)a, (float)b, threads);
        else if (typeof(T) == typeof(double)) g.TruncatedNormal(MemoryMarshal.Cast<T, double>(x), mean, std, a, b, threads);
        else Widened(x, d => g.TruncatedNormal(d, mean, std, a, b, threads));
    }

    private static void Widened<T>(Span<T> x, Action<double[]> fill) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = new double[x.Length];
        fill(d);
        for (int i = 0; i < x.Length; i++) x[i] = T.CreateTruncating(d[i]);
    }
}
