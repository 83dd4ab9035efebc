using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using InitLab.Numerics;

namespace InitLab.Random;

/// <summary>
/// The element-to-counter mapping of every InitLab fill, and its scalar reference kernels.
/// </summary>
/// <remarks>
/// A fill of <c>n</c> elements starting at block <c>b0</c> under (seed, stream) defines element e as:
/// <list type="bullet">
/// <item>float uniform, normal, truncated normal: block <c>b0 + e / 4</c>, word <c>e % 4</c>; normals pair
/// words (0, 1) and (2, 3) through Box-Muller (cos to the even element, sin to the odd one). The float transforms
/// are lane-generic (<see cref="IFloatPairOp"/>): the scalar, 256-bit and 512-bit kernels give the same bits;</item>
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

    /// <summary>The lane widths of the float kernels.</summary>
    internal enum LaneWidth
    {
        /// <summary>One element at a time: the portable reference.</summary>
        Scalar,
        /// <summary>Eight 32-bit lanes (AVX2).</summary>
        V256,
        /// <summary>Sixteen 32-bit lanes (AVX-512F).</summary>
        V512,
    }
    internal delegate void DoubleKernel(Span<double> chunk, ulong seed, ulong stream, ulong firstBlock);

    internal static void Run(Span<float> dst, ulong seed, ulong stream, ulong firstBlock, FloatKernel kernel, int threads = 0) =>
        RunChunks(dst, firstBlock, elementsPerBlock: 4, (chunk, block) => kernel(chunk, seed, stream, block), threads);

    internal static void Run(Span<double> dst, ulong seed, ulong stream, ulong firstBlock, DoubleKernel kernel, int threads = 0) =>
        RunChunks(dst, firstBlock, elementsPerBlock: 2, (chunk, block) => kernel(chunk, seed, stream, block), threads);

    private delegate void ChunkKernel<T>(Span<T> chunk, ulong firstBlock);

    /// <summary>
    /// Splits <paramref name="dst"/> into chunks of <see cref="ChunkElements"/> (a whole number of blocks) and fills them
    /// on up to <paramref name="threads"/> threads (0 = all cores); chunk c starts at block firstBlock + c * ChunkElements / elementsPerBlock.
    /// </summary>
    private static unsafe void RunChunks<T>(Span<T> dst, ulong firstBlock, int elementsPerBlock, ChunkKernel<T> kernel, int threads) where T : unmanaged
    {
        int chunks = (dst.Length + ChunkElements - 1) / ChunkElements;
        if (chunks <= 1)
        {
            kernel(dst, firstBlock);
            return;
        }
        fixed (T* p = dst)
        {
            T* basePtr = p;
            int length = dst.Length;
            Parallelism.For(chunks, c =>
            {
                int start = c * ChunkElements;
                int len = Math.Min(ChunkElements, length - start);
                kernel(new Span<T>(basePtr + start, len), firstBlock + (ulong)(start / elementsPerBlock));
            }, threads);
        }
    }

    /// <summary>Parallel float fill through a lane-generic transform at the widest supported lane width.</summary>
    internal static void Run<TOp>(Span<float> dst, ulong seed, ulong stream, ulong firstBlock, TOp op, int threads = 0) where TOp : struct, IFloatPairOp
    {
        LaneWidth width = BestWidth;
        RunChunks(dst, firstBlock, elementsPerBlock: 4, (chunk, block) => Fill(chunk, seed, stream, block, op, width), threads);
    }

    // ---- float kernels: one lane-generic driver, instantiated per width ---------------------------

    /// <summary>The widest lane width this machine runs natively.</summary>
    internal static LaneWidth BestWidth =>
        Lanes512.IsSupported ? LaneWidth.V512 : Lanes256.IsSupported ? LaneWidth.V256 : LaneWidth.Scalar;

    /// <summary>Whether <paramref name="width"/> can run on this machine.</summary>
    internal static bool IsSupported(LaneWidth width) => width switch
    {
        LaneWidth.Scalar => true,
        LaneWidth.V256 => Lanes256.IsSupported,
        LaneWidth.V512 => Lanes512.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Fills <paramref name="dst"/> (element e from block firstBlock + e / 4, word e % 4) at the given lane width:
    /// whole groups of 4 x lanes elements in vectors, the rest with the scalar instantiation of the same code.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The width is not supported on this machine.</exception>
    internal static void Fill<TOp>(Span<float> dst, ulong seed, ulong stream, ulong firstBlock, TOp op, LaneWidth width)
        where TOp : struct, IFloatPairOp
    {
        switch (width)
        {
            case LaneWidth.V512 when Lanes512.IsSupported:
                Fill<TOp, Lanes512, Vector512<float>, Vector512<uint>>(dst, seed, stream, firstBlock, op);
                break;
            case LaneWidth.V256 when Lanes256.IsSupported:
                Fill<TOp, Lanes256, Vector256<float>, Vector256<uint>>(dst, seed, stream, firstBlock, op);
                break;
            case LaneWidth.Scalar:
                Fill<TOp, ScalarLanes, float, uint>(dst, seed, stream, firstBlock, op);
                break;
            default:
                throw new PlatformNotSupportedException($"Lane width {width} is not supported on this machine.");
        }
    }

    // The driver is split into one method per loop: the JIT's inlining budget is per compiled method, and the vector
    // transforms inline dozens of lane operations each; in one method the budget ran out and lane operations became calls.
    private static void Fill<TOp, S, TF, TU>(Span<float> dst, ulong seed, ulong stream, ulong firstBlock, TOp op)
        where TOp : struct, IFloatPairOp where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        int e = 0;
        ulong block = firstBlock;
        if (S.Count > 1)
        {
            if (TOp.InterleaveTwoGroups) Groups2<TOp, S, TF, TU>(dst, seed, stream, ref e, ref block, op);
            Groups1<TOp, S, TF, TU>(dst, seed, stream, ref e, ref block, op);
        }
        Tail(dst, seed, stream, e, block, op);
    }

    /// <summary>Whole pairs of groups (8 x lanes elements) from element e on, two groups' rounds interleaved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Groups2<TOp, S, TF, TU>(Span<float> dst, ulong seed, ulong stream, ref int start, ref ulong firstBlock, TOp op)
        where TOp : struct, IFloatPairOp where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        int length = dst.Length, group = 4 * S.Count, e = start;
        ref float d = ref MemoryMarshal.GetReference(dst);
        ulong block = firstBlock;
        for (; e <= length - 2 * group; e += 2 * group, block += 2 * (ulong)S.Count)
        {
            PhiloxLanes.Blocks2<S, TF, TU>(seed, stream, block, out TU x0, out TU x1, out TU x2, out TU x3,
                out TU w0, out TU w1, out TU w2, out TU w3);
            op.Apply<S, TF, TU>(x0, x1, out TF y0, out TF y1);
            op.Apply<S, TF, TU>(x2, x3, out TF y2, out TF y3);
            S.Store4(y0, y1, y2, y3, ref Unsafe.Add(ref d, e));
            op.Apply<S, TF, TU>(w0, w1, out y0, out y1);
            op.Apply<S, TF, TU>(w2, w3, out y2, out y3);
            S.Store4(y0, y1, y2, y3, ref Unsafe.Add(ref d, e + group));
        }
        start = e;
        firstBlock = block;
    }

    /// <summary>Whole groups (4 x lanes elements) from element e on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Groups1<TOp, S, TF, TU>(Span<float> dst, ulong seed, ulong stream, ref int start, ref ulong firstBlock, TOp op)
        where TOp : struct, IFloatPairOp where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        int length = dst.Length, group = 4 * S.Count, e = start;
        ref float d = ref MemoryMarshal.GetReference(dst);
        ulong block = firstBlock;
        for (; e <= length - group; e += group, block += (ulong)S.Count)
        {
            PhiloxLanes.Blocks<S, TF, TU>(seed, stream, block, out TU x0, out TU x1, out TU x2, out TU x3);
            op.Apply<S, TF, TU>(x0, x1, out TF y0, out TF y1);
            op.Apply<S, TF, TU>(x2, x3, out TF y2, out TF y3);
            S.Store4(y0, y1, y2, y3, ref Unsafe.Add(ref d, e));
        }
        start = e;
        firstBlock = block;
    }

    /// <summary>
    /// One group of 4 x lanes elements. A method of its own (not inlined into the loop) so that the transform's constants
    /// are read where they are used instead of being hoisted out of the loop into more registers than there are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Group<TOp, S, TF, TU>(ulong seed, ulong stream, ulong block, ref float d, TOp op)
        where TOp : struct, IFloatPairOp where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        PhiloxLanes.Blocks<S, TF, TU>(seed, stream, block, out TU x0, out TU x1, out TU x2, out TU x3);
        op.Apply<S, TF, TU>(x0, x1, out TF y0, out TF y1);
        op.Apply<S, TF, TU>(x2, x3, out TF y2, out TF y3);
        S.Store4(y0, y1, y2, y3, ref d);
    }

    /// <summary>The elements from e on, one block at a time with the scalar instantiation.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tail<TOp>(Span<float> dst, ulong seed, ulong stream, int e, ulong block, TOp op) where TOp : struct, IFloatPairOp
    {
        int length = dst.Length;
        ref float d = ref MemoryMarshal.GetReference(dst);
        Span<float> last = stackalloc float[4];
        for (; e < length; e += 4, block++)
        {
            PhiloxLanes.Blocks<ScalarLanes, float, uint>(seed, stream, block, out uint x0, out uint x1, out uint x2, out uint x3);
            op.Apply<ScalarLanes, float, uint>(x0, x1, out float y0, out float y1);
            op.Apply<ScalarLanes, float, uint>(x2, x3, out float y2, out float y3);
            if (length - e >= 4)
            {
                ScalarLanes.Store4(y0, y1, y2, y3, ref Unsafe.Add(ref d, e));
            }
            else
            {
                ScalarLanes.Store4(y0, y1, y2, y3, ref last[0]);
                last[..(length - e)].CopyTo(dst[e..]);
            }
        }
    }

    /// <summary>Reference truncated normal for float spans whose standardized bounds are too far out for the float
    /// quantile: u = ((x &gt;&gt; 8) + 1/2) 2^-24 through the double-precision inverse CDF.</summary>
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
        /// <summary>Intervals whose nearest point to 0 is this far out are sampled in log space (Phi(-30) = 5e-198;
        /// beyond about 37 it underflows).</summary>
        public const double FarTail = 30;

        private readonly bool _flip, _far;
        private readonly double _a, _b, _lo, _hi, _pLo, _width;

        public TruncatedNormalMap(double a, double b)
        {
            _a = a;
            _b = b;
            _far = a >= FarTail || b <= -FarTail;
            // Work in the lower half so that Phi values keep their relative precision in the tail.
            _flip = a > 0;
            _lo = _flip ? -b : a;
            _hi = _flip ? -a : b;
            _pLo = _far ? 0 : SpecialFunctions.NormalCdf(_lo);
            _width = _far ? 0 : SpecialFunctions.NormalCdf(_hi) - _pLo;
        }

        public double Map(double u)
        {
            if (_far)
                return _a > 0 ? StandardTruncatedNormal.UpperQuantile(_a, _b, u) : -StandardTruncatedNormal.UpperQuantile(-_b, -_a, u);
            double x = SpecialFunctions.NormalQuantile(_pLo + u * _width);
            if (x < _lo) x = _lo;       // one-ulp rounding guards; the distribution itself is exact
            else if (x > _hi) x = _hi;
            return _flip ? -x : x;
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
