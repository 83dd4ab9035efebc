using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using InitLab.LinearAlgebra;

namespace InitLab.Networks.Ops;

/// <summary>
/// The forward pass of a convolution as an implicit GEMM, without im2col. One group's channels of an image are copied once
/// into a zero-padded buffer (C_in / groups planes of PD x PH x PW, the input plus its padding), and output position
/// (od, oh, ow) is numbered q = (od PH + oh) PW + ow over that padded plane, so with unit strides kernel tap k = (c, kd, kh, kw)
/// of every position reads the buffer at q + off[k], off[k] = c PD PH PW + (kd dd PH + kh dh) PW + kw dw: consecutive
/// positions read consecutive elements. Strided convolutions split the padded input into stride phases first (see
/// <see cref="Plan"/>), which makes every tap unit-stride again. The micro-kernel broadcasts packed weights (MR output channels
/// per tap, as the GEMM packs its A operand) against vectors of positions loaded straight from the buffer. Numbers with
/// ow &gt;= OW or oh &gt;= OH are the padding columns and rows of the numbering: computed and dropped, (PW - OW) / PW of the
/// work (2/58 for a 3 x 3 kernel with padding 1 on 56 x 56).
/// </summary>
/// <remarks>
/// <para>Bits: every output element gets exactly the arithmetic of im2col + <see cref="PackedGemm"/> for Y_g = W_g cols (see
/// the GEMM's remarks): the taps in im2col's row order k = c K + (kd KH + kh) KW + kw, cut into KC-deep slices, each slice
/// one FMA chain acc = fma(w_k, x_k, acc) from zero, the slices added in order (C = 1 acc, then C = 1 acc + C), padding taps
/// multiplying the buffer's +0 as they multiply im2col's zeros. So the output is bit-identical to the im2col path (tested),
/// on every thread count, tile and lane width.</para>
/// <para>Why: im2col writes and reads back K = C_in / groups x prod(kernel) copies of the input (9 for 3 x 3) and the GEMM
/// then packs or transposes them; here the input is copied once and the output is written in place.</para>
/// </remarks>
internal static class ImplicitConv
{
    /// <summary>Fewer output channels per group than this keep im2col: a tile of MR = 8 channel rows would be mostly padding.</summary>
    internal const int MinOutChannels = 8;

    /// <summary>
    /// Position slivers per band: each row sliver of packed weights (MR x K, 18 KiB for 8 x 576 floats) meets the band's
    /// slivers while it is in L1, and the band's part of the padded image stays in L2. Changes no bit.
    /// </summary>
    private const int Band = 8;

    /// <summary>Whether the forward pass of a convolution with this many output channels per group takes this path (any
    /// geometry: strides, padding, dilation, 1 to 3 dimensions).</summary>
    public static bool Applies(Window w, int outPerGroup) => outPerGroup >= MinOutChannels;

    /// <summary>
    /// y = conv(x, weight) without bias for a batch: x is batch x C_in x InSize, weight C_out x (C_in / groups) x KernelSize,
    /// y batch x C_out x OutSize. Images run side by side on up to <paramref name="threads"/> threads (0: all cores), an image's
    /// positions on several threads when there are fewer images than threads; <paramref name="width"/> picks the micro-kernel
    /// (null: the widest this host accelerates). The result does not depend on either.
    /// </summary>
    public static void Forward<T>(Window w, int groups, int outChannels, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, Span<T> y, int batch,
        int threads, GemmKernel? width = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (width ?? PackedGemm.Best)
        {
            case GemmKernel.V512:
                Run<T, Vector512<T>, GemmV512Lanes<T>, Tile8x3>(w, groups, outChannels, x, weight, y, batch, threads);
                break;
            case GemmKernel.V256:
                Run<T, Vector256<T>, GemmV256Lanes<T>, Tile6x2>(w, groups, outChannels, x, weight, y, batch, threads);
                break;
            default:
                Run<T, T, GemmScalarLanes<T>, Tile6x2>(w, groups, outChannels, x, weight, y, batch, threads);
                break;
        }
    }

    /// <summary>
    /// The numbering of one geometry. Padded coordinates z = (o s + k d) per dimension (s the stride, d the dilation) split
    /// into phases z mod s: phase plane (a, b, c) holds the padded input's elements (a + i sd, b + j sh, c + l sw) at (i, j, l),
    /// QD x QH x QW = ceil(PD / sd) x ceil(PH / sh) x ceil(PW / sw) (one plane, the padded input itself, for unit strides).
    /// Tap (kd, kh, kw) of output (od, oh, ow) is then element (od + kd dd div sd, oh + kh dh div sh, ow + kw dw div sw) of
    /// phase (kd dd mod sd, kh dh mod sh, kw dw mod sw): consecutive outputs read consecutive elements of one phase plane.
    /// </summary>
    private sealed class Plan
    {
        public int InChannels, OutChannels, Taps, PD, PH, PW, QD, QH, QW, Phases, Plane, Length, Positions;
        public int[] Offsets = [];
        public Window Window = null!;

        public static Plan Of(Window w, int groups, int outChannels)
        {
            int cg = w.Channels / groups;
            int sd = w.Stride[0], sh = w.Stride[1], sw = w.Stride[2];
            var plan = new Plan
            {
                Window = w, InChannels = cg, OutChannels = outChannels / groups, Taps = cg * w.KernelSize,
                PD = w.In[0] + w.Pad[0] + w.PadEnd[0], PH = w.In[1] + w.Pad[1] + w.PadEnd[1], PW = w.In[2] + w.Pad[2] + w.PadEnd[2],
                Phases = sd * sh * sw,
            };
            plan.QD = (plan.PD + sd - 1) / sd;
            plan.QH = (plan.PH + sh - 1) / sh;
            plan.QW = (plan.PW + sw - 1) / sw;
            plan.Plane = checked(plan.QD * plan.QH * plan.QW);
            plan.Length = checked(plan.Phases * cg * plan.Plane);
            // The last valid position plus one: (OD - 1, OH - 1, OW - 1).
            plan.Positions = ((w.Out[0] - 1) * plan.QH + w.Out[1] - 1) * plan.QW + w.Out[2];
            plan.Offsets = new int[plan.Taps];
            int k = 0;
            for (int c = 0; c < cg; c++)
                for (int kd = 0; kd < w.Kernel[0]; kd++)
                    for (int kh = 0; kh < w.Kernel[1]; kh++)
                        for (int kw = 0; kw < w.Kernel[2]; kw++)
                        {
                            int ed = kd * w.Dilation[0], eh = kh * w.Dilation[1], ew = kw * w.Dilation[2];
                            int phase = ((ed % sd) * sh + eh % sh) * sw + ew % sw;
                            plan.Offsets[k++] = (phase * cg + c) * plan.Plane + ((ed / sd) * plan.QH + eh / sh) * plan.QW + ew / sw;
                        }
            return plan;
        }
    }

    private static unsafe void Run<T, TV, L, S>(Window w, int groups, int outChannels, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, Span<T> y,
        int batch, int threads) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        var plan = Plan.Of(w, groups, outChannels);
        int mr = S.Rows, nr = S.Vectors * L.Count, og = plan.OutChannels, k = plan.Taps;
        int rowSlivers = (og + mr - 1) / mr;
        // Packed weights: group g, sliver i, tap p at ((g rowSlivers + i) K + p) MR; rows past the group's last channel are zero.
        // Rented, not allocated: a new array per call (147 KiB for 64 x 576 floats) would go to the large object heap.
        int packedLength = checked(groups * rowSlivers * mr * k);
        T[] packed = ArrayPool<T>.Shared.Rent(packedLength);
        try
        {
            packed.AsSpan(0, packedLength).Clear();
            Pack(weight, packed, groups, og, k, mr, rowSlivers);
            Images<T, TV, L, S>(plan, w, groups, outChannels, x, packed, y, batch, threads);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
        }
    }

    private static void Pack<T>(ReadOnlySpan<T> weight, T[] packed, int groups, int og, int k, int mr, int rowSlivers)
    {
        for (int g = 0; g < groups; g++)
            for (int o = 0; o < og; o++)
            {
                var row = weight.Slice((g * og + o) * k, k);
                int i = o / mr, r = o % mr, at = (g * rowSlivers + i) * mr * k + r;
                for (int p = 0; p < k; p++) packed[at + p * mr] = row[p];
            }
    }

    /// <summary>Images [first, last) per worker, each with its own padded buffer; the packed weights are shared.</summary>
    private static unsafe void Images<T, TV, L, S>(Plan plan, Window w, int groups, int outChannels, ReadOnlySpan<T> x, T[] packed, Span<T> y,
        int batch, int threads) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        int mr = S.Rows, nr = S.Vectors * L.Count, og = plan.OutChannels, k = plan.Taps;
        int rowSlivers = (og + mr - 1) / mr;
        int workers = Math.Min(batch, threads <= 0 ? Parallelism.MaxThreads : threads);
        int inImage = w.Channels * w.InSize, outImage = outChannels * w.OutSize;
        fixed (T* xp = x)
        fixed (T* wp = packed)
        fixed (T* yp = y)
        fixed (int* off = plan.Offsets)
        {
            T* xs = xp, ws = wp, ys = yp;
            int* offs = off;
            void Chunk(int first, int last, int inner)
            {
                // The padding stays zero: each image rewrites only the interior.
                int length = plan.Length + nr;
                T[] buffer = ArrayPool<T>.Shared.Rent(length);
                try
                {
                    buffer.AsSpan(0, length).Clear();
                    fixed (T* pad = buffer)
                    {
                        T* padded = pad;
                        for (int b = first; b < last; b++)
                            for (int g = 0; g < groups; g++)
                            {
                                Fill(plan, xs + (long)b * inImage + (long)g * plan.InChannels * w.InSize, padded);
                                T* yg = ys + (long)b * outImage + (long)g * og * w.OutSize;
                                T* wg = ws + (long)g * rowSlivers * mr * k;
                                int slivers = (plan.Positions + nr - 1) / nr;
                                if (inner <= 1)
                                {
                                    Slivers<T, TV, L, S>(plan, padded, wg, offs, yg, 0, slivers);
                                    continue;
                                }
                                int chunks = Math.Min(slivers, 4 * inner);
                                Parallelism.For(chunks, c => Slivers<T, TV, L, S>(plan, padded, wg, offs, yg,
                                    (int)((long)c * slivers / chunks), (int)((long)(c + 1) * slivers / chunks)), inner);
                            }
                    }
                }
                finally
                {
                    ArrayPool<T>.Shared.Return(buffer);
                }
            }
            if (workers <= 1) Chunk(0, batch, threads);
            else Parallelism.For(workers, c => Chunk(c * batch / workers, (c + 1) * batch / workers, 1), workers);
        }
    }

    /// <summary>Copies one group's channels of an image into the interior of the phase planes (the padding stays zero).</summary>
    private static unsafe void Fill<T>(Plan plan, T* x, T* padded) where T : unmanaged
    {
        var w = plan.Window;
        int ID = w.In[0], IH = w.In[1], IW = w.In[2], sd = w.Stride[0], sh = w.Stride[1], sw = w.Stride[2];
        for (int c = 0; c < plan.InChannels; c++)
            for (int id = 0; id < ID; id++)
                for (int ih = 0; ih < IH; ih++)
                {
                    T* src = x + ((long)(c * ID + id) * IH + ih) * IW;
                    int zd = id + w.Pad[0], zh = ih + w.Pad[1];
                    for (int a = 0; a < sw; a++)
                    {
                        // Input columns iw with (iw + pad) mod sw = a go to phase column (iw + pad) div sw.
                        int iw0 = ((a - w.Pad[2]) % sw + sw) % sw;
                        if (iw0 >= IW) continue;
                        int phase = ((zd % sd) * sh + zh % sh) * sw + a;
                        T* dst = padded + ((long)phase * plan.InChannels + c) * plan.Plane + ((long)(zd / sd) * plan.QH + zh / sh) * plan.QW
                            + (iw0 + w.Pad[2]) / sw;
                        if (sw == 1)
                        {
                            Buffer.MemoryCopy(src, dst, (long)IW * sizeof(T), (long)IW * sizeof(T));
                            continue;
                        }
                        for (int iw = iw0, l = 0; iw < IW; iw += sw, l++) dst[l] = src[iw];
                    }
                }
    }

    /// <summary>
    /// Position slivers [first, last) of one image and group: for each, where its positions go in the output (-1: a number in
    /// the padding, dropped), then every row sliver of output channels through the micro-kernel. The kernel writes each vector
    /// that lands whole on consecutive outputs straight into y; the others go through the tile and are scattered from there.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void Slivers<T, TV, L, S>(Plan plan, T* padded, T* weights, int* offsets, T* y, int first, int last)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        var w = plan.Window;
        int mr = S.Rows, lanes = L.Count, nr = S.Vectors * lanes, og = plan.OutChannels, k = plan.Taps, p = w.OutSize;
        int OH = w.Out[1], OW = w.Out[2], QW = plan.QW, layer = plan.QH * plan.QW;
        T* tile = stackalloc T[mr * nr];
        int* maps = stackalloc int[Band * nr];
        int* direct = stackalloc int[Band * S.Vectors];
        bool* any = stackalloc bool[Band];
        for (int s0 = first; s0 < last; s0 += Band)
        {
            int s1 = Math.Min(last, s0 + Band);
            for (int s = s0; s < s1; s++)
            {
                int* map = maps + (s - s0) * nr;
                any[s - s0] = false;
                int q0 = s * nr, od = q0 / layer, rest = q0 - od * layer, oh = rest / QW, ow = rest - oh * QW;
                for (int j = 0; j < nr; j++)
                {
                    bool valid = q0 + j < plan.Positions && oh < OH && ow < OW;
                    map[j] = valid ? (od * OH + oh) * OW + ow : -1;
                    any[s - s0] |= valid;
                    // The next number: (od, oh, ow) counted over QD x QH x QW.
                    if (++ow < QW) continue;
                    ow = 0;
                    if (++oh < plan.QH) continue;
                    oh = 0;
                    od++;
                }
                for (int v = 0; v < S.Vectors; v++)
                {
                    int at = map[v * lanes];
                    for (int e = 1; e < lanes && at >= 0; e++)
                        if (map[v * lanes + e] != at + e) at = -1;
                    direct[(s - s0) * S.Vectors + v] = at;
                }
            }
            // Each row sliver of weights meets the band's position slivers while it is in L1.
            for (int o0 = 0; o0 < og; o0 += mr)
                for (int s = s0; s < s1; s++)
                {
                    if (!any[s - s0]) continue;
                    int rows = Math.Min(mr, og - o0);
                    int* map = maps + (s - s0) * nr, vectors = direct + (s - s0) * S.Vectors;
                    T* yo = y + (long)o0 * p;
                    Kernel<T, TV, L, S>(k, weights + (long)o0 * k, padded + (long)s * nr, offsets, tile, yo, p, rows, vectors);
                    for (int v = 0; v < S.Vectors; v++)
                    {
                        if (vectors[v] >= 0) continue;
                        for (int r = 0; r < rows; r++)
                            for (int j = v * lanes; j < (v + 1) * lanes; j++)
                                if (map[j] >= 0) yo[(long)r * p + map[j]] = tile[r * nr + j];
                    }
                }
        }
    }

    /// <summary>One k step of one tile row: c_v = fma(w, b_v, c_v).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<T, TV, L, S>(T weight, TV b0, TV b1, TV b2, ref TV c0, ref TV c1, ref TV c2)
        where T : unmanaged where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        TV v = L.Splat(weight);
        c0 = L.Fma(v, b0, c0);
        if (S.Vectors > 1) c1 = L.Fma(v, b1, c1);
        if (S.Vectors > 2) c2 = L.Fma(v, b2, c2);
    }

    /// <summary>
    /// The slice update of one tile row: 1 acc (first slice) or 1 acc + tile, as the GEMM updates C, into the tile; after the
    /// last slice, vectors with an output (<paramref name="direct"/>[v] &gt;= 0, <paramref name="y"/> not null) go to y instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update<T, TV, L, S>(T* row, T* y, int* direct, TV c0, TV c1, TV c2, bool first, bool last)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        TV one = L.Splat(T.One);
        int lanes = L.Count;
        bool out0 = last && y != null;
        L.Store(out0 && direct[0] >= 0 ? y + direct[0] : row, first ? L.Mul(one, c0) : L.Add(L.Mul(one, c0), L.Load(row)));
        if (S.Vectors > 1)
            L.Store(out0 && direct[1] >= 0 ? y + direct[1] : row + lanes, first ? L.Mul(one, c1) : L.Add(L.Mul(one, c1), L.Load(row + lanes)));
        if (S.Vectors > 2)
            L.Store(out0 && direct[2] >= 0 ? y + direct[2] : row + 2 * lanes, first ? L.Mul(one, c2) : L.Add(L.Mul(one, c2), L.Load(row + 2 * lanes)));
    }

    /// <summary>
    /// One MR x NR tile over all K taps: weights packed MR per tap, the positions' vectors at x + offsets[p]; the result
    /// (KC-deep slices added in order) in <paramref name="tile"/> (MR rows of NR), except the vectors of the first
    /// <paramref name="rows"/> rows that <paramref name="direct"/> sends to y (row r at y + r ldy). At most 8 rows and 3 vectors.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel<T, TV, L, S>(int k, T* weights, T* x, int* offsets, T* tile, T* y, long ldy, int rows, int* direct)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        int lanes = L.Count, nr = S.Vectors * lanes;
        for (int p0 = 0; p0 < k; p0 += PackedGemm.KC)
        {
            int p1 = Math.Min(k, p0 + PackedGemm.KC);
            TV c0_0 = default, c0_1 = default, c0_2 = default, c1_0 = default, c1_1 = default, c1_2 = default;
            TV c2_0 = default, c2_1 = default, c2_2 = default, c3_0 = default, c3_1 = default, c3_2 = default;
            TV c4_0 = default, c4_1 = default, c4_2 = default, c5_0 = default, c5_1 = default, c5_2 = default;
            TV c6_0 = default, c6_1 = default, c6_2 = default, c7_0 = default, c7_1 = default, c7_2 = default;
            T* a = weights + (long)p0 * S.Rows;
            for (int p = p0; p < p1; p++)
            {
                T* src = x + offsets[p];
                TV b0 = L.Load(src);
                TV b1 = S.Vectors > 1 ? L.Load(src + lanes) : default;
                TV b2 = S.Vectors > 2 ? L.Load(src + 2 * lanes) : default;
                Step<T, TV, L, S>(a[0], b0, b1, b2, ref c0_0, ref c0_1, ref c0_2);
                if (S.Rows > 1) Step<T, TV, L, S>(a[1], b0, b1, b2, ref c1_0, ref c1_1, ref c1_2);
                if (S.Rows > 2) Step<T, TV, L, S>(a[2], b0, b1, b2, ref c2_0, ref c2_1, ref c2_2);
                if (S.Rows > 3) Step<T, TV, L, S>(a[3], b0, b1, b2, ref c3_0, ref c3_1, ref c3_2);
                if (S.Rows > 4) Step<T, TV, L, S>(a[4], b0, b1, b2, ref c4_0, ref c4_1, ref c4_2);
                if (S.Rows > 5) Step<T, TV, L, S>(a[5], b0, b1, b2, ref c5_0, ref c5_1, ref c5_2);
                if (S.Rows > 6) Step<T, TV, L, S>(a[6], b0, b1, b2, ref c6_0, ref c6_1, ref c6_2);
                if (S.Rows > 7) Step<T, TV, L, S>(a[7], b0, b1, b2, ref c7_0, ref c7_1, ref c7_2);
                a += S.Rows;
            }
            bool first = p0 == 0, last = p1 == k;
            Update<T, TV, L, S>(tile, y, direct, c0_0, c0_1, c0_2, first, last);
            if (S.Rows > 1) Update<T, TV, L, S>(tile + nr, rows > 1 ? y + ldy : null, direct, c1_0, c1_1, c1_2, first, last);
            if (S.Rows > 2) Update<T, TV, L, S>(tile + 2 * nr, rows > 2 ? y + 2 * ldy : null, direct, c2_0, c2_1, c2_2, first, last);
            if (S.Rows > 3) Update<T, TV, L, S>(tile + 3 * nr, rows > 3 ? y + 3 * ldy : null, direct, c3_0, c3_1, c3_2, first, last);
            if (S.Rows > 4) Update<T, TV, L, S>(tile + 4 * nr, rows > 4 ? y + 4 * ldy : null, direct, c4_0, c4_1, c4_2, first, last);
            if (S.Rows > 5) Update<T, TV, L, S>(tile + 5 * nr, rows > 5 ? y + 5 * ldy : null, direct, c5_0, c5_1, c5_2, first, last);
            if (S.Rows > 6) Update<T, TV, L, S>(tile + 6 * nr, rows > 6 ? y + 6 * ldy : null, direct, c6_0, c6_1, c6_2, first, last);
            if (S.Rows > 7) Update<T, TV, L, S>(tile + 7 * nr, rows > 7 ? y + 7 * ldy : null, direct, c7_0, c7_1, c7_2, first, last);
        }
    }
}
