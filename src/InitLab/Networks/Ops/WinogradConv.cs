using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using InitLab.LinearAlgebra;

namespace InitLab.Networks.Ops;

/// <summary>
/// The float forward pass of a 2-D 3 x 3 convolution with unit stride and dilation and one group as Winograd's minimal
/// filtering F(2 x 2, 3 x 3) (Lavin and Gray 2016, "Fast Algorithms for Convolutional Neural Networks"): each 2 x 2 block of
/// outputs (a tile) is Y = A^T [ sum over c of (G g_c G^T) .* (B^T d_c B) ] A, with g_c the 3 x 3 kernel of input channel c
/// and d_c the 4 x 4 input patch under the tile (zero outside the input), 16 multiplications per tile and channel pair
/// instead of 36: 2.25 times fewer.
/// <code>
/// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]   A^T = [1 1 1 0; 0 1 -1 -1]
/// </code>
/// </summary>
/// <remarks>
/// <para>Order of every operation (the same on every lane width, tile and thread count, so the bits are too):
/// U = G g G^T in double, per column t_0 = g_0, t_1 = ((g_0 + g_1) + g_2) / 2, t_2 = ((g_0 - g_1) + g_2) / 2, t_3 = g_2 and
/// then the same along the rows, rounded once to float. V = B^T (d B) in float: along each row of d first,
/// h_0 = d_0 - d_2, h_1 = d_1 + d_2, h_2 = d_2 - d_1, h_3 = d_1 - d_3, then the same down the columns of h. M = one FMA chain
/// per element of the 16 products, acc = fma(U_c, V_c, acc) from +0 over c = 0 .. C_in - 1 in order. Y = (A^T M) A: down the
/// columns s_0 = (m_0 + m_1) + m_2, s_1 = (m_1 - m_2) - m_3, then the same along the rows. The bias is added afterwards by
/// <see cref="ConvOp"/>. Rounding error: docs/numerics.md, "Winograd convolution".</para>
/// <para>Cache: the tiles of an image are numbered row by row and cut into blocks of <see cref="BlockTiles"/>; a block's
/// transformed input (16 x C_in x 120 floats with the slack, 480 KiB for 64 channels) stays in L2 while the 16 products run
/// as small GEMMs against the transformed weights (transformed once per call), for 4 row slivers of output channels (32
/// on AVX-512) at a time: each V[xi] slab is read from L1 by the 4 slivers in turn, into a buffer (240 KiB) that the output
/// transform then reads. The input lines a block needs are split into even and odd columns first, so that every tap of a
/// vector of tiles is a plain vector load. The GEMM micro-kernel has the implicit convolution's design: weights broadcast, vectors
/// of tiles loaded. Blocks of all images run side by side on the threads.</para>
/// </remarks>
internal static class WinogradConv
{
    /// <summary>Input channels below this keep the direct convolution: the input transform's cost per multiplication saved
    /// grows as 1 / C_out and the output transform's as 1 / C_in. Measured (docs/performance.md, 56 x 56, batch 8, 1 thread):
    /// 12 -> 12 and 16 -> 8 are slower than the direct convolution, 16 -> 16 is 1.2-1.4x faster, 64 -> 16 1.03-1.06x.</summary>
    internal const int MinInChannels = 16;

    /// <summary>Output channels below this keep the direct convolution (see <see cref="MinInChannels"/>).</summary>
    internal const int MinOutChannels = 16;

    /// <summary>Tiles per block: a multiple of every micro-kernel's NR (48, 16, 2). Changes no bit.</summary>
    internal const int BlockTiles = 96;

    /// <summary>Floats per row of the transformed input and of the products: a block's tiles, then room for the last
    /// vector of a line that runs past the block (its lanes are computed and dropped); 120, not 112, so that the 16 rows
    /// of one tile's transform are not a multiple of 4 KiB apart.</summary>
    private const int RowStride = BlockTiles + 24;

    /// <summary>Row slivers of output channels whose products are computed together (32 channels on AVX-512).</summary>
    private const int GroupSlivers = 4;

    /// <summary>
    /// The roundings on any path from a product w x to an output (docs/numerics.md): 2 for U (four in double, one to float,
    /// counted as two), 2 for V, C_in in the FMA chain, 4 for the output transform. |y_computed - y| &lt;=
    /// gamma_(C_in + 8) sum_c sum_(k, j) C_kj |g_(c,k)| |d_(c,j)|.
    /// </summary>
    internal static int BoundRoundings(int inChannels) => inChannels + 8;

    /// <summary>sum_(k, j) C_kj |g_k| |d_j| &lt;= 16 max_k |g_k| sum_j |d_j| over the 3 x 3 receptive field: the largest column sum
    /// of the 1-D coefficients is 4 (docs/numerics.md).</summary>
    internal const double BoundFactor = 16;

    /// <summary>Whether the float forward pass of this convolution takes this path.</summary>
    public static bool Applies(Window w, int groups, int outChannels) =>
        w.Rank == 2 && groups == 1 && w.Kernel[1] == 3 && w.Kernel[2] == 3 && w.Stride[1] == 1 && w.Stride[2] == 1
        && w.Dilation[1] == 1 && w.Dilation[2] == 1 && w.Channels >= MinInChannels && outChannels >= MinOutChannels
        && w.Out[1] >= 1 && w.Out[2] >= 1;

    /// <summary>
    /// y = conv(x, weight) without bias for a batch: x is batch x C_in x H x W, weight C_out x C_in x 3 x 3, y batch x C_out x
    /// OH x OW. Blocks of tiles run side by side on up to <paramref name="threads"/> threads (0: all cores);
    /// <paramref name="width"/> picks the lanes (null: the widest this host accelerates). The result depends on neither.
    /// </summary>
    public static void Forward(Window w, int outChannels, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int batch,
        int threads, GemmKernel? width = null)
    {
        switch (width ?? PackedGemm.Best)
        {
            case GemmKernel.V512:
                Run<Vector512<float>, GemmV512Lanes<float>, Tile8x3>(w, outChannels, x, weight, y, batch, threads);
                break;
            case GemmKernel.V256:
                Run<Vector256<float>, GemmV256Lanes<float>, Tile6x2>(w, outChannels, x, weight, y, batch, threads);
                break;
            default:
                Run<float, GemmScalarLanes<float>, Tile6x2>(w, outChannels, x, weight, y, batch, threads);
                break;
        }
    }

    /// <summary>The geometry of one call: tiles, blocks, buffer sizes.</summary>
    private sealed class Plan
    {
        public int Cin, Cout, H, W, OH, OW, PadTop, PadLeft, TH, TW, Tiles, Blocks, Mr, Nr, Slivers, RowCapacity, Stride;
    }

    private static unsafe void Run<TV, L, S>(Window w, int outChannels, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y,
        int batch, int threads) where TV : struct where L : IGemmLanes<float, TV> where S : IGemmTile
    {
        var plan = new Plan
        {
            Cin = w.Channels, Cout = outChannels, H = w.In[1], W = w.In[2], OH = w.Out[1], OW = w.Out[2], PadTop = w.Pad[1], PadLeft = w.Pad[2],
            Mr = S.Rows, Nr = S.Vectors * L.Count,
        };
        plan.TH = (plan.OH + 1) / 2;
        plan.TW = (plan.OW + 1) / 2;
        plan.Tiles = checked(plan.TH * plan.TW);
        plan.Blocks = (plan.Tiles + BlockTiles - 1) / BlockTiles;
        plan.Slivers = (plan.Cout + plan.Mr - 1) / plan.Mr;
        // A block spans at most ceil((BlockTiles - 1) / TW) + 1 tile rows, each two padded rows on from the last, plus two.
        int tileRows = (BlockTiles - 1) / plan.TW + 2;
        plan.RowCapacity = 2 * tileRows + 2;
        plan.Stride = plan.TW + 1;
        // Transformed weights: (xi, sliver, c, r) at ((xi Slivers + sliver) Cin + c) MR + r; rows past C_out are zero.
        int packedLength = checked(16 * plan.Slivers * plan.Cin * plan.Mr);
        float[] packed = ArrayPool<float>.Shared.Rent(packedLength);
        try
        {
            packed.AsSpan(0, packedLength).Clear();
            TransformWeights(plan, weight, packed);
            int tasks = checked(batch * plan.Blocks);
            int workers = Math.Min(tasks, threads <= 0 ? Parallelism.MaxThreads : threads);
            fixed (float* xp = x)
            fixed (float* yp = y)
            fixed (float* up = packed)
            {
                float* xs = xp, ys = yp, us = up;
                void Chunk(int first, int last) => Blocks<TV, L, S>(plan, xs, us, ys, first, last);
                if (workers <= 1) Chunk(0, tasks);
                else Parallelism.For(workers, c => Chunk((int)((long)c * tasks / workers), (int)((long)(c + 1) * tasks / workers)), workers);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
        }
    }

    /// <summary>U = G g G^T per output and input channel, in double, rounded once; packed for the micro-kernel.</summary>
    private static void TransformWeights(Plan plan, ReadOnlySpan<float> weight, float[] packed)
    {
        Span<double> t = stackalloc double[12];
        Span<double> u = stackalloc double[16];
        for (int o = 0; o < plan.Cout; o++)
            for (int c = 0; c < plan.Cin; c++)
            {
                var g = weight.Slice((o * plan.Cin + c) * 9, 9);
                // t = G g (4 x 3): down each column kw.
                for (int kw = 0; kw < 3; kw++)
                {
                    double g0 = g[kw], g1 = g[3 + kw], g2 = g[6 + kw];
                    t[kw] = g0;
                    t[3 + kw] = (g0 + g1 + g2) * 0.5;
                    t[6 + kw] = (g0 - g1 + g2) * 0.5;
                    t[9 + kw] = g2;
                }
                // u = t G^T (4 x 4): along each row.
                for (int i = 0; i < 4; i++)
                {
                    double t0 = t[3 * i], t1 = t[3 * i + 1], t2 = t[3 * i + 2];
                    u[4 * i] = t0;
                    u[4 * i + 1] = (t0 + t1 + t2) * 0.5;
                    u[4 * i + 2] = (t0 - t1 + t2) * 0.5;
                    u[4 * i + 3] = t2;
                }
                int sliver = o / plan.Mr, r = o % plan.Mr;
                for (int xi = 0; xi < 16; xi++)
                    packed[((xi * plan.Slivers + sliver) * plan.Cin + c) * plan.Mr + r] = (float)u[xi];
            }
    }

    /// <summary>Tasks [first, last) (task = image x blocks + block), each with this worker's buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Blocks<TV, L, S>(Plan plan, float* x, float* packed, float* y, int first, int last)
        where TV : struct where L : IGemmLanes<float, TV> where S : IGemmTile
    {
        int mr = plan.Mr, nr = plan.Nr, cin = plan.Cin;
        int vLength = 16 * cin * RowStride, mLength = 16 * GroupSlivers * mr * RowStride, rowLength = 2 * plan.RowCapacity * plan.Stride + 32;
        float[] v = ArrayPool<float>.Shared.Rent(vLength);
        float[] m = ArrayPool<float>.Shared.Rent(mLength);
        float[] rows = ArrayPool<float>.Shared.Rent(rowLength);
        try
        {
            // Columns past a block's last tile are computed and dropped: keep them finite and defined.
            v.AsSpan(0, vLength).Clear();
            m.AsSpan(0, mLength).Clear();
            rows.AsSpan(0, rowLength).Clear();
            fixed (float* vp = v)
            fixed (float* mp = m)
            fixed (float* rp = rows)
                for (int task = first; task < last; task++)
                {
                    int image = task / plan.Blocks, block = task % plan.Blocks;
                    int t0 = block * BlockTiles, t1 = Math.Min(plan.Tiles, t0 + BlockTiles);
                    float* xImage = x + (long)image * cin * plan.H * plan.W;
                    float* yImage = y + (long)image * plan.Cout * plan.OH * plan.OW;
                    for (int c = 0; c < cin; c++)
                        InputChannel<TV, L>(plan, xImage + (long)c * plan.H * plan.W, rp, vp + (long)c * RowStride, t0, t1);
                    int slivers = (t1 - t0 + nr - 1) / nr;
                    // Output channels in groups of GroupSlivers row slivers: each V[xi] block is read from L1 by the group's
                    // slivers in turn, and the group's products (16 x GroupSlivers MR rows) wait in L2 for the output transform.
                    for (int s0 = 0; s0 < plan.Slivers; s0 += GroupSlivers)
                    {
                        int s1 = Math.Min(plan.Slivers, s0 + GroupSlivers);
                        for (int xi = 0; xi < 16; xi++)
                        {
                            float* b = vp + (long)xi * cin * RowStride;
                            for (int s = s0; s < s1; s++)
                            {
                                float* a = packed + (long)(xi * plan.Slivers + s) * cin * mr;
                                float* mo = mp + ((long)xi * GroupSlivers + s - s0) * mr * RowStride;
                                for (int j = 0; j < slivers; j++)
                                    Kernel<TV, L, S>(cin, a, b + j * nr, mo + j * nr);
                            }
                        }
                        int o0 = s0 * mr, count = Math.Min((s1 - s0) * mr, plan.Cout - o0);
                        for (int r = 0; r < count; r++)
                            Output<TV, L>(plan, mp + (long)r * RowStride, yImage + (long)(o0 + r) * plan.OH * plan.OW, t0, t1);
                    }
                }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(m);
            ArrayPool<float>.Shared.Return(v);
        }
    }

    /// <summary>
    /// One input channel of one block: the padded rows the block's tiles read, split into even and odd columns
    /// (E[r][i] = p(z0 + r, 2 i), O[r][i] = p(z0 + r, 2 i + 1), p the zero-padded plane), then V = B^T (d B) of every tile into
    /// <paramref name="v"/>[xi][c][t - t0] (C_in x RowStride apart between the 16 xi; the caller's offset of c RowStride picks the row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputChannel<TV, L>(Plan plan, float* x, float* rows, float* v, int t0, int t1)
        where TV : struct where L : IGemmLanes<float, TV>
    {
        int thA = t0 / plan.TW, thB = (t1 - 1) / plan.TW, z0 = 2 * thA, count = 2 * (thB - thA) + 4, stride = plan.Stride;
        float* even = rows, odd = rows + (long)plan.RowCapacity * stride;
        for (int r = 0; r < count; r++)
        {
            float* e = even + (long)r * stride, o = odd + (long)r * stride;
            int iy = z0 + r - plan.PadTop;
            if ((uint)iy >= (uint)plan.H)
            {
                new Span<float>(e, stride).Clear();
                new Span<float>(o, stride).Clear();
                continue;
            }
            Split(x + (long)iy * plan.W, plan.W, plan.PadLeft, e, o, stride);
        }
        long xiStride = (long)plan.Cin * RowStride;
        for (int th = thA; th <= thB; th++)
        {
            int a = Math.Max(t0 - th * plan.TW, 0), b = Math.Min(t1 - th * plan.TW, plan.TW);
            long row = (long)(2 * (th - thA)) * stride;
            float* vt = v + (th * plan.TW - t0);
            // A last vector past the line's end reads the next padded rows (or the buffer's slack) and writes its extra lanes
            // over tiles that come later (and are written again) or into the row's slack.
            for (int tw = a; tw < b; tw += L.Count)
                InputTile<TV, L>(even + row + tw, odd + row + tw, stride, vt + tw, xiStride);
        }
    }

    /// <summary>
    /// The padded line p(s) = src[s - pad] (zero outside [0, width)) split into even[i] = p(2 i) and odd[i] = p(2 i + 1),
    /// i &lt; count. A copy: no arithmetic, so the vector paths change no bit.
    /// </summary>
    private static unsafe void Split(float* src, int width, int pad, float* even, float* odd, int count)
    {
        // Interior: 0 <= 2 i - pad and 2 i + 1 - pad < width.
        int lo = Math.Min(count, (pad + 1) / 2), hi = Math.Clamp((width + pad) / 2, lo, count);
        int i = 0;
        for (; i < lo; i++) Pair(src, width, pad, even, odd, i);
        i = lo;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odds = evens + Vector512<int>.One;
            // The last vector ends at hi, overlapping the one before (the same values written twice).
            for (int next = i; next < hi && hi - lo >= 16; next += 16)
            {
                i = Math.Min(next, hi - 16);
                float* at = src + 2 * i - pad;
                var a = Vector512.Load(at);
                var b = Vector512.Load(at + 16);
                Avx512F.PermuteVar16x32x2(a, evens, b).Store(even + i);
                Avx512F.PermuteVar16x32x2(a, odds, b).Store(odd + i);
            }
            if (hi - lo >= 16) i = hi;
        }
        else if (Avx2.IsSupported)
        {
            for (int next = i; next < hi && hi - lo >= 8; next += 8)
            {
                i = Math.Min(next, hi - 8);
                float* at = src + 2 * i - pad;
                var a = Vector256.Load(at);
                var b = Vector256.Load(at + 8);
                // [a0 a2 b0 b2 | a4 a6 b4 b6] then the 64-bit quarters in the order 0 2 1 3.
                var e = Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble();
                var o = Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble();
                Avx2.Permute4x64(e, 0b11_01_10_00).AsSingle().Store(even + i);
                Avx2.Permute4x64(o, 0b11_01_10_00).AsSingle().Store(odd + i);
            }
            if (hi - lo >= 8) i = hi;
        }
        for (; i < hi; i++)
        {
            even[i] = src[2 * i - pad];
            odd[i] = src[2 * i + 1 - pad];
        }
        for (; i < count; i++) Pair(src, width, pad, even, odd, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pair(float* src, int width, int pad, float* even, float* odd, int i)
    {
        int c0 = 2 * i - pad, c1 = c0 + 1;
        even[i] = (uint)c0 < (uint)width ? src[c0] : 0f;
        odd[i] = (uint)c1 < (uint)width ? src[c1] : 0f;
    }

    /// <summary>V = B^T (d B) for a vector of tiles side by side: row i of d is (E_i[tw], O_i[tw], E_i[tw + 1], O_i[tw + 1]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void InputTile<TV, L>(float* even, float* odd, int stride, float* v, long xiStride)
        where TV : struct where L : IGemmLanes<float, TV>
    {
        // d B along each row: h_0 = d_0 - d_2, h_1 = d_1 + d_2, h_2 = d_2 - d_1, h_3 = d_1 - d_3.
        Row<TV, L>(even, odd, out var h00, out var h01, out var h02, out var h03);
        Row<TV, L>(even + stride, odd + stride, out var h10, out var h11, out var h12, out var h13);
        Row<TV, L>(even + 2 * stride, odd + 2 * stride, out var h20, out var h21, out var h22, out var h23);
        Row<TV, L>(even + 3 * stride, odd + 3 * stride, out var h30, out var h31, out var h32, out var h33);
        // B^T h down each column, the same combinations.
        Column<TV, L>(v, xiStride, 0, h00, h10, h20, h30);
        Column<TV, L>(v, xiStride, 1, h01, h11, h21, h31);
        Column<TV, L>(v, xiStride, 2, h02, h12, h22, h32);
        Column<TV, L>(v, xiStride, 3, h03, h13, h23, h33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row<TV, L>(float* even, float* odd, out TV h0, out TV h1, out TV h2, out TV h3)
        where TV : struct where L : IGemmLanes<float, TV>
    {
        TV d0 = L.Load(even), d1 = L.Load(odd), d2 = L.Load(even + 1), d3 = L.Load(odd + 1);
        h0 = L.Sub(d0, d2);
        h1 = L.Add(d1, d2);
        h2 = L.Sub(d2, d1);
        h3 = L.Sub(d1, d3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Column<TV, L>(float* v, long xiStride, int nu, TV h0, TV h1, TV h2, TV h3)
        where TV : struct where L : IGemmLanes<float, TV>
    {
        L.Store(v + nu * xiStride, L.Sub(h0, h2));
        L.Store(v + (4 + nu) * xiStride, L.Add(h1, h2));
        L.Store(v + (8 + nu) * xiStride, L.Sub(h2, h1));
        L.Store(v + (12 + nu) * xiStride, L.Sub(h1, h3));
    }

    /// <summary>
    /// One output channel of one block: Y = (A^T M) A of every tile from <paramref name="m"/>[xi][., t - t0] (stride
    /// MR x RowStride between the xi), written to the output plane where it falls inside (OH x OW).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Output<TV, L>(Plan plan, float* m, float* y, int t0, int t1) where TV : struct where L : IGemmLanes<float, TV>
    {
        int thA = t0 / plan.TW, thB = (t1 - 1) / plan.TW;
        long xiStride = (long)GroupSlivers * plan.Mr * RowStride;
        float* tile = stackalloc float[4 * L.Count];
        for (int th = thA; th <= thB; th++)
        {
            int a = Math.Max(t0 - th * plan.TW, 0), b = Math.Min(t1 - th * plan.TW, plan.TW);
            float* mt = m + (th * plan.TW - t0);
            for (int tw = a; tw < b; tw += L.Count)
            {
                OutputTile<TV, L>(mt + tw, xiStride, tile);
                Scatter<TV, L>(plan, tile, Math.Min(L.Count, b - tw), y, th, tw);
            }
        }
    }

    /// <summary>Y = (A^T M) A for a vector of tiles: y_ij to tile[(2 i + j) lanes ...].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void OutputTile<TV, L>(float* m, long xiStride, float* tile) where TV : struct where L : IGemmLanes<float, TV>
    {
        // A^T M down each column nu: s_0 = (m_0 + m_1) + m_2, s_1 = (m_1 - m_2) - m_3.
        Down<TV, L>(m, xiStride, 0, out var s00, out var s10);
        Down<TV, L>(m, xiStride, 1, out var s01, out var s11);
        Down<TV, L>(m, xiStride, 2, out var s02, out var s12);
        Down<TV, L>(m, xiStride, 3, out var s03, out var s13);
        int n = L.Count;
        L.Store(tile, L.Add(L.Add(s00, s01), s02));
        L.Store(tile + n, L.Sub(L.Sub(s01, s02), s03));
        L.Store(tile + 2 * n, L.Add(L.Add(s10, s11), s12));
        L.Store(tile + 3 * n, L.Sub(L.Sub(s11, s12), s13));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Down<TV, L>(float* m, long xiStride, int nu, out TV s0, out TV s1) where TV : struct where L : IGemmLanes<float, TV>
    {
        TV m0 = L.Load(m + nu * xiStride), m1 = L.Load(m + (4 + nu) * xiStride), m2 = L.Load(m + (8 + nu) * xiStride);
        TV m3 = L.Load(m + (12 + nu) * xiStride);
        s0 = L.Add(L.Add(m0, m1), m2);
        s1 = L.Sub(L.Sub(m1, m2), m3);
    }

    /// <summary>Writes the first <paramref name="count"/> of a vector of tiles' 2 x 2 outputs (tile row th, columns tw0 ...)
    /// where they fall inside, y_i0 and y_i1 interleaved. A copy: the vector paths change no bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Scatter<TV, L>(Plan plan, float* tile, int count, float* y, int th, int tw0)
        where TV : struct where L : IGemmLanes<float, TV>
    {
        int lanes = L.Count, oy = 2 * th;
        bool second = oy + 1 < plan.OH;
        float* row0 = y + (long)oy * plan.OW + 2 * tw0, row1 = row0 + plan.OW;
        // Whole pairs: every tile but possibly the line's last when OW is odd.
        int pairs = Math.Min(count, plan.OW / 2 - tw0);
        if (pairs == lanes && lanes == 16 && Avx512F.IsSupported)
        {
            var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            var high = low + Vector512.Create(8);
            var y00 = Vector512.Load(tile);
            var y01 = Vector512.Load(tile + 16);
            Avx512F.PermuteVar16x32x2(y00, low, y01).Store(row0);
            Avx512F.PermuteVar16x32x2(y00, high, y01).Store(row0 + 16);
            if (!second) return;
            var y10 = Vector512.Load(tile + 32);
            var y11 = Vector512.Load(tile + 48);
            Avx512F.PermuteVar16x32x2(y10, low, y11).Store(row1);
            Avx512F.PermuteVar16x32x2(y10, high, y11).Store(row1 + 16);
            return;
        }
        if (pairs == lanes && lanes == 8 && Avx.IsSupported)
        {
            Interleave(Vector256.Load(tile), Vector256.Load(tile + 8), row0);
            if (second) Interleave(Vector256.Load(tile + 16), Vector256.Load(tile + 24), row1);
            return;
        }
        for (int e = 0; e < pairs; e++)
        {
            row0[2 * e] = tile[e];
            row0[2 * e + 1] = tile[lanes + e];
            if (second)
            {
                row1[2 * e] = tile[2 * lanes + e];
                row1[2 * e + 1] = tile[3 * lanes + e];
            }
        }
        if (pairs < count && 2 * (tw0 + pairs) < plan.OW)
        {
            row0[2 * pairs] = tile[pairs];
            if (second) row1[2 * pairs] = tile[2 * lanes + pairs];
        }
    }

    /// <summary>[a0 b0 a1 b1 ... a7 b7] to <paramref name="to"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Interleave(Vector256<float> a, Vector256<float> b, float* to)
    {
        var low = Avx.UnpackLow(a, b);   // a0 b0 a1 b1 | a4 b4 a5 b5
        var high = Avx.UnpackHigh(a, b); // a2 b2 a3 b3 | a6 b6 a7 b7
        Avx.Permute2x128(low, high, 0x20).Store(to);
        Avx.Permute2x128(low, high, 0x31).Store(to + 8);
    }

    /// <summary>
    /// M[xi] (MR x NR) = U[xi] (MR x C_in, packed MR per c) V[xi] (C_in x NR, rows RowStride apart): one FMA chain over c per
    /// element from +0, stored into <paramref name="m"/> (rows RowStride apart).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel<TV, L, S>(int k, float* a, float* b, float* m) where TV : struct where L : IGemmLanes<float, TV> where S : IGemmTile
    {
        int lanes = L.Count;
        TV c0_0 = default, c0_1 = default, c0_2 = default, c1_0 = default, c1_1 = default, c1_2 = default;
        TV c2_0 = default, c2_1 = default, c2_2 = default, c3_0 = default, c3_1 = default, c3_2 = default;
        TV c4_0 = default, c4_1 = default, c4_2 = default, c5_0 = default, c5_1 = default, c5_2 = default;
        TV c6_0 = default, c6_1 = default, c6_2 = default, c7_0 = default, c7_1 = default, c7_2 = default;
        for (int p = 0; p < k; p++)
        {
            float* src = b + (long)p * RowStride;
            TV b0 = L.Load(src);
            TV b1 = S.Vectors > 1 ? L.Load(src + lanes) : default;
            TV b2 = S.Vectors > 2 ? L.Load(src + 2 * lanes) : default;
            Step<TV, L, S>(a[0], b0, b1, b2, ref c0_0, ref c0_1, ref c0_2);
            if (S.Rows > 1) Step<TV, L, S>(a[1], b0, b1, b2, ref c1_0, ref c1_1, ref c1_2);
            if (S.Rows > 2) Step<TV, L, S>(a[2], b0, b1, b2, ref c2_0, ref c2_1, ref c2_2);
            if (S.Rows > 3) Step<TV, L, S>(a[3], b0, b1, b2, ref c3_0, ref c3_1, ref c3_2);
            if (S.Rows > 4) Step<TV, L, S>(a[4], b0, b1, b2, ref c4_0, ref c4_1, ref c4_2);
            if (S.Rows > 5) Step<TV, L, S>(a[5], b0, b1, b2, ref c5_0, ref c5_1, ref c5_2);
            if (S.Rows > 6) Step<TV, L, S>(a[6], b0, b1, b2, ref c6_0, ref c6_1, ref c6_2);
            if (S.Rows > 7) Step<TV, L, S>(a[7], b0, b1, b2, ref c7_0, ref c7_1, ref c7_2);
            a += S.Rows;
        }
        Store<TV, L, S>(m, c0_0, c0_1, c0_2);
        if (S.Rows > 1) Store<TV, L, S>(m + RowStride, c1_0, c1_1, c1_2);
        if (S.Rows > 2) Store<TV, L, S>(m + 2 * RowStride, c2_0, c2_1, c2_2);
        if (S.Rows > 3) Store<TV, L, S>(m + 3 * RowStride, c3_0, c3_1, c3_2);
        if (S.Rows > 4) Store<TV, L, S>(m + 4 * RowStride, c4_0, c4_1, c4_2);
        if (S.Rows > 5) Store<TV, L, S>(m + 5 * RowStride, c5_0, c5_1, c5_2);
        if (S.Rows > 6) Store<TV, L, S>(m + 6 * RowStride, c6_0, c6_1, c6_2);
        if (S.Rows > 7) Store<TV, L, S>(m + 7 * RowStride, c7_0, c7_1, c7_2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TV, L, S>(float weight, TV b0, TV b1, TV b2, ref TV c0, ref TV c1, ref TV c2)
        where TV : struct where L : IGemmLanes<float, TV> where S : IGemmTile
    {
        TV v = L.Splat(weight);
        c0 = L.Fma(v, b0, c0);
        if (S.Vectors > 1) c1 = L.Fma(v, b1, c1);
        if (S.Vectors > 2) c2 = L.Fma(v, b2, c2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store<TV, L, S>(float* row, TV c0, TV c1, TV c2) where TV : struct where L : IGemmLanes<float, TV> where S : IGemmTile
    {
        L.Store(row, c0);
        if (S.Vectors > 1) L.Store(row + L.Count, c1);
        if (S.Vectors > 2) L.Store(row + 2 * L.Count, c2);
    }
}
