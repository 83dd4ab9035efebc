using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace InitLab.LinearAlgebra;

/// <summary>
/// The lane operations the GEMM micro-kernel is written against, implemented once for scalars and once per vector width
/// (as <see cref="Random.ILanes{TF, TU}"/> is for the fills): the kernel is one generic method, so every width runs the
/// same FMA chain per element of C and gives the same bits.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TV">The lanes: T itself, Vector256&lt;T&gt; or Vector512&lt;T&gt;.</typeparam>
internal unsafe interface IGemmLanes<T, TV>
    where T : unmanaged
    where TV : struct
{
    /// <summary>Elements per lane vector.</summary>
    static abstract int Count { get; }

    static abstract TV Load(T* p);
    static abstract void Store(T* p, TV v);
    static abstract TV Splat(T x);

    /// <summary>a * b + c with a single rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Add(TV a, TV b);

    /// <summary>a - b (the Winograd transforms).</summary>
    static abstract TV Sub(TV a, TV b);
}

/// <summary>One element at a time: the portable reference.</summary>
internal readonly unsafe struct GemmScalarLanes<T> : IGemmLanes<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Load(T* p) => *p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, T v) => *p = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Splat(T x) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Fma(T a, T b, T c) => T.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Mul(T a, T b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Add(T a, T b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sub(T a, T b) => a - b;
}

/// <summary>Vector256 lanes (AVX2 + FMA; emulated by the runtime elsewhere, with the same bits).</summary>
internal readonly unsafe struct GemmV256Lanes<T> : IGemmLanes<T, Vector256<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(T* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector256<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Splat(T x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Mul(Vector256<T> a, Vector256<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sub(Vector256<T> a, Vector256<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }
}

/// <summary>Vector512 lanes (AVX-512F; emulated by the runtime elsewhere, with the same bits).</summary>
internal readonly unsafe struct GemmV512Lanes<T> : IGemmLanes<T, Vector512<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(T* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector512<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Splat(T x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sub(Vector512<T> a, Vector512<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }
}

/// <summary>Vector128 lanes (SSE, NEON; the machine-limit loop's fallback width).</summary>
internal readonly unsafe struct GemmV128Lanes<T> : IGemmLanes<T, Vector128<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Load(T* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector128<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Splat(T x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Mul(Vector128<T> a, Vector128<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sub(Vector128<T> a, Vector128<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector128.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector128.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }
}

/// <summary>The register block of the micro-kernel: <see cref="Rows"/> rows of C by <see cref="Vectors"/> lane vectors.</summary>
internal interface IGemmTile
{
    /// <summary>Rows of the tile (MR), at most 12.</summary>
    static abstract int Rows { get; }

    /// <summary>Lane vectors per tile row, at most 4 (NR = Vectors x lanes).</summary>
    static abstract int Vectors { get; }
}

/// <summary>12 x 2 vectors: 24 accumulators, 12 broadcasts and 2 loads per step (AVX-512's 32 registers).</summary>
internal readonly struct Tile12x2 : IGemmTile
{
    public static int Rows => 12;
    public static int Vectors => 2;
}

/// <summary>8 x 3 vectors: 24 accumulators; for row counts that are multiples of 8 (batches of 64).</summary>
internal readonly struct Tile8x3 : IGemmTile
{
    public static int Rows => 8;
    public static int Vectors => 3;
}

/// <summary>6 x 4 vectors: 24 accumulators, the fewest loads per FMA; for column counts that are multiples of 4 vectors.</summary>
internal readonly struct Tile6x4 : IGemmTile
{
    public static int Rows => 6;
    public static int Vectors => 4;
}

/// <summary>6 x 2 vectors: 12 accumulators, which with the operands fit AVX2's 16 registers.</summary>
internal readonly struct Tile6x2 : IGemmTile
{
    public static int Rows => 6;
    public static int Vectors => 2;
}

/// <summary>4 x 4 scalars: the portable kernel's 16 accumulators.</summary>
internal readonly struct Tile4x4 : IGemmTile
{
    public static int Rows => 4;
    public static int Vectors => 4;
}

/// <summary>How the micro-kernel reads its A operand (the broadcast one).</summary>
internal interface IGemmAOperand
{
    /// <summary>False: packed slivers (MR values per k step); true: the rows of a row-major matrix, read in place.</summary>
    static abstract bool Rows { get; }

    /// <summary>True: the columns of a row-major matrix read in place (element (r, p) at a[p lda + r]: A^T stored, as a
    /// packed sliver is, but with stride lda between k steps).</summary>
    static abstract bool Columns { get; }
}

/// <summary>A packed into MR-row slivers (the square products).</summary>
internal readonly struct PackedA : IGemmAOperand
{
    public static bool Rows => false;
    public static bool Columns => false;
}

/// <summary>A read in place from its rows (the thin products' weight matrix, which is used once and never packed).</summary>
internal readonly struct RowsA : IGemmAOperand
{
    public static bool Rows => true;
    public static bool Columns => false;
}

/// <summary>A read in place from the columns of a row-major matrix (the convolution's im2col band, positions x kernel taps,
/// stored taps x positions: C^T = cols^T W^T without packing the band).</summary>
internal readonly struct ColumnsA : IGemmAOperand
{
    public static bool Rows => false;
    public static bool Columns => true;
}
