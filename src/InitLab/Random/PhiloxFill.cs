using InitLab.Numerics;

namespace InitLab.Random;

/// <summary>
/// The element-to-counter mapping of every InitLab fill, and its scalar reference kernels.
/// </summary>
/// <remarks>
/// A fill of <c>n</c> elements starting at block <c>b0</c> under (seed, stream) defines element e as:
/// <list type="bullet">
/// <item>float uniform, normal, truncated normal: block <c>b0 + e / 4</c>, word <c>e % 4</c>; normals pair
/// words (0, 1) and (2, 3) through Box-Muller (cos to the even element, sin to the odd one);</item>
/// <item>double uniform, normal, truncated normal: block <c>b0 + e / 2</c>, 53 bits from words (0, 1) or (2, 3);
/// normals use both halves of one block for one Box-Muller pair.</item>
/// </list>
/// Element values therefore depend only on (seed, stream, b0, e): any split of the span over threads,
/// and any vector width, produces the same bits.
/// </remarks>
internal static class PhiloxFill
{
    internal const float Inv24 = 1.0f / 16777216.0f;          // 2^-24
    internal const double Inv53 = 1.0 / 9007199254740992.0;  // 2^-53
    private const double TwoPi = 6.283185307179586477;

    /// <summary>Elements per parallel chunk (a multiple of 4, so chunks start on block boundaries).</summary>
    internal const int ChunkElements = 1 << 16;

    /// <summary>Number of 128-bit blocks a float fill of <paramref name="length"/> elements consumes.</summary>
    internal static ulong BlocksForFloats(long length) => (ulong)((length + 3) / 4);

    /// <summary>Number of 128-bit blocks a double fill of <paramref name="length"/> elements consumes.</summary>
    internal static ulong BlocksForDoubles(long length) => (ulong)((length + 1) / 2);

    internal delegate void FloatKernel(Span<float> chunk, ulong seed, ulong stream, ulong firstBlock);
    internal delegate void DoubleKernel(Span<double> chunk, ulong seed, ulong stream, ulong firstBlock);

    internal static void Run(Span<float> dst, ulong seed, ulong stream, ulong firstBlock, FloatKernel kernel)
    {
        int chunks = (dst.Length + ChunkElements - 1) / ChunkElements;
        if (chunks <= 1)
        {
            kernel(dst, seed, stream, firstBlock);
            return;
        }
        unsafe
        {
            fixed (float* p = dst)
            {
                float* basePtr = p;
                int length = dst.Length;
                Parallelism.For(chunks, c =>
                {
                    int start = c * ChunkElements;
                    int len = Math.Min(ChunkElements, length - start);
                    kernel(new Span<float>(basePtr + start, len), seed, stream, firstBlock + (ulong)(start / 4));
                });
            }
        }
    }

    internal static void Run(Span<double> dst, ulong seed, ulong stream, ulong firstBlock, DoubleKernel kernel)
    {
        int chunks = (dst.Length + ChunkElements - 1) / ChunkElements;
        if (chunks <= 1)
        {
            kernel(dst, seed, stream, firstBlock);
            return;
        }
        unsafe
        {
            fixed (double* p = dst)
            {
                double* basePtr = p;
                int length = dst.Length;
                Parallelism.For(chunks, c =>
                {
                    int start = c * ChunkElements;
                    int len = Math.Min(ChunkElements, length - start);
                    kernel(new Span<double>(basePtr + start, len), seed, stream, firstBlock + (ulong)(start / 2));
                });
            }
        }
    }

    // ---- float kernels (scalar reference) -------------------------------------------------------

    /// <summary>u = (x >> 8) * 2^-24, in [0, 1).</summary>
    internal static void UniformFloat(Span<float> dst, ulong seed, ulong stream, ulong firstBlock)
    {
        for (int e = 0; e < dst.Length; e += 4)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(seed, stream, firstBlock + (ulong)(e / 4));
            int n = Math.Min(4, dst.Length - e);
            dst[e] = (x0 >> 8) * Inv24;
            if (n > 1) dst[e + 1] = (x1 >> 8) * Inv24;
            if (n > 2) dst[e + 2] = (x2 >> 8) * Inv24;
            if (n > 3) dst[e + 3] = (x3 >> 8) * Inv24;
        }
    }

    /// <summary>Box-Muller: r = sqrt(-2 ln u1), u1 = ((x >> 8) + 1) 2^-24 in (0, 1]; theta = 2 pi (x >> 8) 2^-24.</summary>
    internal static void NormalFloat(Span<float> dst, ulong seed, ulong stream, ulong firstBlock)
    {
        for (int e = 0; e < dst.Length; e += 4)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(seed, stream, firstBlock + (ulong)(e / 4));
            int n = Math.Min(4, dst.Length - e);
            var (z0, z1) = BoxMullerFloat(x0, x1);
            dst[e] = z0;
            if (n > 1) dst[e + 1] = z1;
            if (n > 2)
            {
                var (z2, z3) = BoxMullerFloat(x2, x3);
                dst[e + 2] = z2;
                if (n > 3) dst[e + 3] = z3;
            }
        }
    }

    internal static (float, float) BoxMullerFloat(uint a, uint b)
    {
        double u1 = ((a >> 8) + 1) * (double)Inv24;
        double t = (b >> 8) * (double)Inv24;
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        var (s, c) = Math.SinCos(TwoPi * t);
        return ((float)(r * c), (float)(r * s));
    }

    // ---- double kernels --------------------------------------------------------------------------

    private static ulong Bits53(uint hi, uint lo) => (((ulong)hi << 32) | lo) >> 11;

    /// <summary>u = bits53 * 2^-53, in [0, 1).</summary>
    internal static void UniformDouble(Span<double> dst, ulong seed, ulong stream, ulong firstBlock)
    {
        for (int e = 0; e < dst.Length; e += 2)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(seed, stream, firstBlock + (ulong)(e / 2));
            dst[e] = Bits53(x0, x1) * Inv53;
            if (e + 1 < dst.Length) dst[e + 1] = Bits53(x2, x3) * Inv53;
        }
    }

    internal static void NormalDouble(Span<double> dst, ulong seed, ulong stream, ulong firstBlock)
    {
        for (int e = 0; e < dst.Length; e += 2)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(seed, stream, firstBlock + (ulong)(e / 2));
            double u1 = (Bits53(x0, x1) + 1) * Inv53;
            double t = Bits53(x2, x3) * Inv53;
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            var (s, c) = Math.SinCos(TwoPi * t);
            dst[e] = r * c;
            if (e + 1 < dst.Length) dst[e + 1] = r * s;
        }
    }

    // ---- truncated normal: exact inverse-CDF sampling on (Phi(a), Phi(b)) -------------------------

    /// <summary>Maps u in (0, 1) to the standard normal truncated to (a, b) by inverting its CDF.</summary>
    internal readonly struct TruncatedNormalMap
    {
        private readonly bool _flip;
        private readonly double _lo, _hi, _pLo, _width;

        public TruncatedNormalMap(double a, double b)
        {
            // Work in the lower half so that Phi values keep their relative precision in the tail.
            _flip = a > 0;
            _lo = _flip ? -b : a;
            _hi = _flip ? -a : b;
            _pLo = SpecialFunctions.NormalCdf(_lo);
            _width = SpecialFunctions.NormalCdf(_hi) - _pLo;
        }

        public double Map(double u)
        {
            double x = SpecialFunctions.NormalQuantile(_pLo + u * _width);
            if (x < _lo) x = _lo;       // one-ulp rounding guards; the distribution itself is exact
            else if (x > _hi) x = _hi;
            return _flip ? -x : x;
        }
    }

    internal static void TruncatedNormalFloat(Span<float> dst, ulong seed, ulong stream, ulong firstBlock, double a, double b)
    {
        var map = new TruncatedNormalMap(a, b);
        for (int e = 0; e < dst.Length; e += 4)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(seed, stream, firstBlock + (ulong)(e / 4));
            int n = Math.Min(4, dst.Length - e);
            dst[e] = (float)map.Map(((x0 >> 8) + 0.5) * Inv24);
            if (n > 1) dst[e + 1] = (float)map.Map(((x1 >> 8) + 0.5) * Inv24);
            if (n > 2) dst[e + 2] = (float)map.Map(((x2 >> 8) + 0.5) * Inv24);
            if (n > 3) dst[e + 3] = (float)map.Map(((x3 >> 8) + 0.5) * Inv24);
        }
    }

    internal static void TruncatedNormalDouble(Span<double> dst, ulong seed, ulong stream, ulong firstBlock, double a, double b)
    {
        var map = new TruncatedNormalMap(a, b);
        for (int e = 0; e < dst.Length; e += 2)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(seed, stream, firstBlock + (ulong)(e / 2));
            dst[e] = map.Map((Bits53(x0, x1) + 0.5) * Inv53);
            if (e + 1 < dst.Length) dst[e + 1] = map.Map((Bits53(x2, x3) + 0.5) * Inv53);
        }
    }
}
