using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.LinearAlgebra;

/// <summary>
/// Cache-blocked GEMM in the layered structure of Goto and van de Geijn ("Anatomy of high-performance matrix
/// multiplication", ACM TOMS 2008) and BLIS: op(A) and op(B) are packed into contiguous micro-panels (A in MR-row slivers,
/// B in NR-column slivers, zero-padded at the edges, both cut into KC-deep slices) and a register-tiled MR x NR
/// micro-kernel accumulates rank-1 updates with fused multiply-adds.
/// </summary>
/// <remarks>
/// <para>Blocking: a transposed A is packed once per product; an A that is not transposed is read in place from its rows
/// (the micro-kernel's MR broadcasts of a k step come from MR row streams: the transposing pack cost 10-25% of the
/// transformer's products, where few B slivers share each A sliver); B is packed one panel of columns at a time, the
/// panel sized so that one KC-deep slice of it (KC x panel) stays in the L2 cache. A task owns a block of rows (and, for thin products, a chunk of
/// the panel's columns) and walks the slices in order; for each slice one A sliver (MR x KC, in L1) meets every B sliver
/// of its chunk, streamed from L2. The micro-kernel is one generic method (<see cref="IGemmLanes{T, TV}"/>,
/// <see cref="IGemmTile"/>), instantiated per lane width and register tile; the tile is chosen per product to waste the
/// fewest padded rows and columns.</para>
/// <para>Determinism: every element of C is accumulated in KC-deep slices (KC fixed), each slice by one FMA chain over p
/// in order, and C is updated once per slice in slice order by exactly one task, whatever the thread count, tile or lane
/// width: per slice s the update is C = alpha * acc + beta * C for s = 0 (C not read when beta = 0) and C = C + alpha * acc
/// after. So results are bit-identical for any thread count, tile and width; every width runs on any host (a width the
/// hardware lacks is emulated by the runtime, slowly), which is how the tests check the widths this host would not pick.</para>
/// </remarks>
internal static class PackedGemm
{
    /// <summary>The micro-kernel <see cref="Run{T}"/> picks on this host: the widest the hardware accelerates.</summary>
    internal static GemmKernel Best =>
        Vector512.IsHardwareAccelerated ? GemmKernel.V512 : Vector256.IsHardwareAccelerated ? GemmKernel.V256 : GemmKernel.Scalar;

    /// <summary>Depth of a packed slice. Part of the arithmetic (C is updated once per slice), so it never changes.</summary>
    internal const int KC = 256;

    /// <summary>Bytes of one KC-deep slice of a packed B panel: three quarters of a 1 MiB L2, the rest for the A rows and C
    /// (with A read in place rather than packed, 768 KiB measured 1-3% faster than 512 KiB on the larger products).</summary>
    private const int PanelSliceBytes = 768 * 1024;

    /// <summary>Bytes of a panel slice when A is read in place, one KC-deep slice of its rows (m x kc) fits in
    /// <see cref="L2Bytes"/> and the columns need more than one <see cref="PanelSliceBytes"/> panel anyway: the transformer's
    /// wide projections (m = 1024, k = 512, n = 1536 and 2048) ran about 2-3% faster with 192 KiB panels, while products
    /// with 2048 rows ran 2-8% slower and n = 512 (one panel) gained nothing (docs/performance.md, "GEMM shapes of the
    /// transformer"). Only the column chunks change, never the KC slices, so the bits are the same.</summary>
    private const int SmallPanelSliceBytes = 192 * 1024;

    /// <summary>The per-core L2 cache the blocking assumes (1 MiB).</summary>
    private const long L2Bytes = 1024 * 1024;

    /// <summary>Fewest B slivers in a task's column chunk when the columns are split for threads (each A sliver then
    /// meets at least this many B slivers while it is in L1).</summary>
    private const int MinChunkSlivers = 4;

    /// <summary>
    /// Below this many multiply-adds the product runs on the calling thread (same arithmetic either way): for a 64 x 64 x 4096
    /// Gram matrix (2^24 multiply-adds, about 0.3 ms of work) the parallel hand-offs cost more than the second core gives back.
    /// </summary>
    private const long SerialBelow = 1L << 25;

    /// <summary>C = alpha op(A) op(B) + beta C on up to <paramref name="threads"/> threads (0 = all cores) with the
    /// micro-kernel <paramref name="kernel"/> (null: <see cref="Best"/>). <paramref name="thin"/> true computes C^T with B
    /// read in place (<see cref="RunThin{T}"/>, same bits), false packs B; null takes the thin path when B is transposed and
    /// <see cref="IsThin"/> holds. On the packed path <paramref name="packA"/> true packs op(A), false reads A's rows in place
    /// (when A is not transposed; a transposed A is always packed); null: the same as false. <paramref name="done"/> runs on
    /// each block of C once it is final (see <see cref="BlockDone"/>).</summary>
    public static unsafe void Run<T>(bool ta, bool tb, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, int threads = 0, GemmKernel? kernel = null, bool? thin = null,
        bool? packA = null, BlockDone? done = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmKernel width = kernel ?? Best;
        int maxThreads = threads <= 0 ? Parallelism.MaxThreads : threads;
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, ldc);
            done?.Invoke(0, m, 0, n);
            return;
        }
        fixed (T* ap = a)
        fixed (T* bp = b)
        fixed (T* cp = c)
        {
            if (n == 1 || m == 1)
            {
                bool vector = width != GemmKernel.Scalar;
                if (n == 1)   // C[:, 0] = op(A) op(B)[:, 0]
                    Gemv.Run(m, k, alpha, ap, ta ? 1 : lda, ta ? lda : 1, bp, tb ? 1 : ldb, beta, cp, ldc, threads, vector);
                else          // C[0, :] = op(B)^T op(A)[0, :]
                    Gemv.Run(n, k, alpha, bp, tb ? ldb : 1, tb ? 1 : ldb, ap, ta ? lda : 1, beta, cp, 1, threads, vector);
                done?.Invoke(0, m, 0, n);
                return;
            }
            int used = (long)m * n * k < SerialBelow || maxThreads == 1 ? 1 : maxThreads;
            if (thin ?? (tb && IsThin(m, n)))
            {
                RunThin(ta, tb, m, n, k, alpha, ap, lda, bp, ldb, beta, cp, ldc, used, width);
                done?.Invoke(0, m, 0, n);
                return;
            }
            var p = new Problem<T>(ta, tb, m, n, k, alpha, ap, lda, bp, ldb, beta, cp, ldc, used) { Done = done };
            if (ta || packA == true) Dispatch<T, PackedDriver<PackedA>>(width, p);
            else Dispatch<T, PackedDriver<RowsA>>(width, p);
        }
    }

    /// <summary>Runs driver <typeparamref name="D"/> on <paramref name="p"/> with the lanes of <paramref name="width"/> and,
    /// on AVX-512, the register tile with the least padding for p's shape.</summary>
    private static void Dispatch<T, D>(GemmKernel width, Problem<T> p) where T : unmanaged, IFloatingPointIeee754<T> where D : IGemmDriver
    {
        switch (width)
        {
            case GemmKernel.V512:
                // A read in place (from columns, or from rows): the widest tile first on ties (fewer strided broadcasts per FMA,
                // fewer row streams, and the whole of a 64-column C^T in one sliver, so each A sliver is read once).
                if (typeof(D) == typeof(ThinDriver<ColumnsA>) || typeof(D) == typeof(PackedDriver<RowsA>))
                    switch (ChooseTile(p.M, p.N, Vector512<T>.Count, [(6, 4), (8, 3), (12, 2)]))
                    {
                        case 0: D.Drive<T, Vector512<T>, GemmV512Lanes<T>, Tile6x4>(p); break;
                        case 1: D.Drive<T, Vector512<T>, GemmV512Lanes<T>, Tile8x3>(p); break;
                        default: D.Drive<T, Vector512<T>, GemmV512Lanes<T>, Tile12x2>(p); break;
                    }
                else
                    switch (ChooseTile(p.M, p.N, Vector512<T>.Count, [(12, 2), (8, 3), (6, 4)]))
                    {
                        case 0: D.Drive<T, Vector512<T>, GemmV512Lanes<T>, Tile12x2>(p); break;
                        case 1: D.Drive<T, Vector512<T>, GemmV512Lanes<T>, Tile8x3>(p); break;
                        default: D.Drive<T, Vector512<T>, GemmV512Lanes<T>, Tile6x4>(p); break;
                    }
                break;
            case GemmKernel.V256:
                // Without AVX-512 there are 16 vector registers: 12 accumulators and the operands.
                D.Drive<T, Vector256<T>, GemmV256Lanes<T>, Tile6x2>(p);
                break;
            default:
                D.Drive<T, T, GemmScalarLanes<T>, Tile4x4>(p);
                break;
        }
    }

    /// <summary>A blocking of the product over the one micro-kernel: <see cref="Drive{T, TV, L, S, P}"/> or
    /// <see cref="DriveThin{T, TV, L, S, P}"/>.</summary>
    private interface IGemmDriver
    {
        static abstract void Drive<T, TV, L, S>(Problem<T> p)
            where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile;
    }

    private readonly struct PackedDriver<P> : IGemmDriver where P : IGemmAOperand
    {
        public static void Drive<T, TV, L, S>(Problem<T> p)
            where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
            => PackedGemm.Drive<T, TV, L, S, P>(p);
    }

    private readonly struct ThinDriver<P> : IGemmDriver where P : IGemmAOperand
    {
        public static void Drive<T, TV, L, S>(Problem<T> p)
            where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
            => DriveThin<T, TV, L, S, P>(p);
    }

    /// <summary>The tile (rows, vectors) among <paramref name="tiles"/> with the least padded work for an m x n product;
    /// ties go to the first.</summary>
    internal static int ChooseTile(int m, int n, int lanes, ReadOnlySpan<(int Rows, int Vectors)> tiles)
    {
        int best = 0;
        long bestWork = long.MaxValue;
        for (int i = 0; i < tiles.Length; i++)
        {
            long work = (long)RoundUp(m, tiles[i].Rows) * RoundUp(n, tiles[i].Vectors * lanes);
            if (work < bestWork)
            {
                best = i;
                bestWork = work;
            }
        }
        return best;
    }

    /// <summary>A validated product: operands, shape and the thread count it may use (1 = serial).</summary>
    private readonly unsafe struct Problem<T>(bool ta, bool tb, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb,
        T beta, T* c, int ldc, int threads) where T : unmanaged
    {
        public readonly bool TA = ta, TB = tb;
        public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, Threads = threads;
        public readonly T Alpha = alpha, Beta = beta;
        public readonly T* A = a, B = b, C = c;
        public BlockDone? Done { get; init; }
    }

    /// <summary>The packed driver: B packed per task in L2-sized column chunks, slice by slice; A packed once for every task
    /// (<see cref="PackedA"/>) or read in place from its rows (<see cref="RowsA"/>: the kernel's operand for row i at step p
    /// is a[i lda + p], the same value the packed sliver holds, so the bits are the same).</summary>
    private static unsafe void Drive<T, TV, L, S, P>(Problem<T> p)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile where P : IGemmAOperand
    {
        int mr = S.Rows, nr = S.Vectors * L.Count;
        int m = p.M, n = p.N, k = p.K;
        int slices = (k + KC - 1) / KC;
        int kc0 = Math.Min(KC, k);
        int rowSlivers = (m + mr - 1) / mr, colSlivers = (n + nr - 1) / nr;
        long mPad = (long)rowSlivers * mr;
        int threads = p.Threads;
        bool serial = threads == 1;

        // Tasks: chunks of B slivers (at most one L2-sized panel each), times blocks of A slivers when the columns alone
        // cannot keep every thread busy. A task packs its own B chunk slice by slice (a chunk is packed once per row block).
        int wanted = serial ? 1 : 2 * threads;
        int panelSlivers = Math.Max(1, PanelSliceBytes / (kc0 * sizeof(T)) / nr);
        if (P.Rows && colSlivers > panelSlivers && (long)m * kc0 * sizeof(T) <= L2Bytes)
            panelSlivers = Math.Max(1, SmallPanelSliceBytes / (kc0 * sizeof(T)) / nr);
        int chunks = Math.Max((colSlivers + panelSlivers - 1) / panelSlivers, Math.Min(wanted, colSlivers / MinChunkSlivers));
        int perChunk = (colSlivers + chunks - 1) / chunks;
        chunks = (colSlivers + perChunk - 1) / perChunk;
        int rowBlocks = Math.Min(rowSlivers, (wanted + chunks - 1) / chunks);
        int perBlock = (rowSlivers + rowBlocks - 1) / rowBlocks;
        rowBlocks = (rowSlivers + perBlock - 1) / perBlock;

        // Packed slivers start on 64-byte boundaries, so no vector load of the micro-kernel splits a cache line.
        int slack = 64 / sizeof(T);
        T[] aBuf = ArrayPool<T>.Shared.Rent(P.Rows ? 0 : checked((int)(mPad * k) + slack));
        try
        {
            fixed (T* aPack = aBuf)
            {
                // Packed A: slice q at q KC mPad, sliver i of it at i kc_q MR; packed once for every task.
                T* ak = Align(aPack);
                if (!P.Rows)
                {
                    int aGroups = Math.Min(rowSlivers, serial ? 1 : 2 * threads);
                    int aPer = (rowSlivers + aGroups - 1) / aGroups;
                    aGroups = (rowSlivers + aPer - 1) / aPer;
                    For(serial, threads, slices * aGroups, t =>
                    {
                        int q = t / aGroups, g = t % aGroups, pc = q * KC, kc = Math.Min(KC, k - pc);
                        for (int i = g * aPer, i1 = Math.Min(rowSlivers, i + aPer); i < i1; i++)
                            PackA<T, S>(p.TA, p.A, p.Lda, i * mr, Math.Min(mr, m - i * mr), pc, kc, ak + q * KC * mPad + (long)i * kc * mr);
                    });
                }

                For(serial, threads, rowBlocks * chunks, t =>
                {
                    int ib = t / chunks, ch = t % chunks;
                    int i0 = ib * perBlock, i1 = Math.Min(rowSlivers, i0 + perBlock);
                    int s0 = ch * perChunk, s1 = Math.Min(colSlivers, s0 + perChunk);
                    int j0 = s0 * nr, nc = Math.Min(n, s1 * nr) - j0;
                    T[] bBuf = ArrayPool<T>.Shared.Rent((s1 - s0) * nr * kc0 + slack);
                    try
                    {
                        fixed (T* bPack = bBuf)
                        {
                            // Packed B chunk of one slice: sliver s at s kc NR.
                            T* bk = Align(bPack);
                            for (int q = 0; q < slices; q++)
                            {
                                int pc = q * KC, kc = Math.Min(KC, k - pc);
                                PackB<T>(p.TB, p.B, p.Ldb, pc, kc, j0, nc, bk, nr);
                                T* aSlice = ak + q * KC * mPad;
                                for (int i = i0; i < i1; i++)
                                {
                                    int row = i * mr, rows = Math.Min(mr, m - row);
                                    T* ai = P.Rows ? p.A + (long)row * p.Lda + pc : aSlice + (long)i * kc * mr;
                                    T* ci = p.C + (long)row * p.Ldc + j0;
                                    for (int s = 0; s < s1 - s0; s++)
                                        Kernel<T, TV, L, S, P>(kc, ai, p.Lda, bk + (long)s * kc * nr, ci + s * nr, p.Ldc, rows, Math.Min(nr, nc - s * nr),
                                            p.Alpha, p.Beta, q == 0, prefetchC: true);
                                    if (q == slices - 1) p.Done?.Invoke(row, rows, j0, nc);
                                }
                            }
                        }
                    }
                    finally
                    {
                        ArrayPool<T>.Shared.Return(bBuf);
                    }
                });
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(aBuf);
        }
    }

    /// <summary>Products with at most this many rows of C and B transposed take the thin path (<see cref="RunThin{T}"/>).</summary>
    internal const int ThinRows = 256;

    /// <summary>Whether C = op(A) B^T is thin enough that packing B (n x k, transposed) would cost more than it saves: few rows
    /// of C use each packed element of B (the MLP lab's x W^T with a batch of 64 and a 4096 x 4096 weight).</summary>
    internal static bool IsThin(int m, int n) => m <= ThinRows && n >= 4 * m;

    /// <summary>
    /// C = alpha op(A) op(B) + beta C through its transpose C^T = op(B)^T op(A)^T: B is read in place by the micro-kernel as its
    /// broadcast operand, so the large operand is never packed, and only op(A)^T (k x m, small) is. Transposed B (the weights,
    /// n x k) is read from its rows; B itself (k x n: a convolution's im2col band) from its columns.
    /// C^T goes to a scratch matrix that is transposed into C at the end. Each element of C gets exactly the arithmetic of
    /// the packed path: the same KC slices, the same FMA chain over p in each (fma(b, a, acc) = fma(a, b, acc)), the same
    /// slice updates; the transposes only move values. So both paths give the same bits on any thread count and width.
    /// </summary>
    private static unsafe void RunThin<T>(bool ta, bool tb, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc,
        int threads, GemmKernel width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] tBuf = ArrayPool<T>.Shared.Rent(checked(n * m));
        try
        {
            fixed (T* ct = tBuf)
            {
                if (beta != T.Zero) Transpose(c, ldc, ct, m, m, n);
                // The transposed product: A' = op(B)^T (n x k, in place), op(B') = op(A)^T, which is A^T stored when A is not
                // transposed (B' "transposed", ldb' = lda) and A itself when it is.
                var p = new Problem<T>(false, !ta, n, m, k, alpha, b, ldb, a, lda, beta, ct, m, threads);
                if (tb) Dispatch<T, ThinDriver<RowsA>>(width, p);
                else Dispatch<T, ThinDriver<ColumnsA>>(width, p);
                Transpose(ct, m, c, ldc, n, m);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(tBuf);
        }
    }

    /// <summary>
    /// The driver of <see cref="RunThin{T}"/>: op(B) is packed whole (k x n, small), A is read in place. A task owns a block of
    /// A's row slivers and, for each, runs every slice in order while its C tile stays in L1, so each row of A is streamed
    /// once from memory, front to back.
    /// </summary>
    private static unsafe void DriveThin<T, TV, L, S, P>(Problem<T> p)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile where P : IGemmAOperand
    {
        int mr = S.Rows, nr = S.Vectors * L.Count;
        int m = p.M, n = p.N, k = p.K;
        int slices = (k + KC - 1) / KC;
        int rowSlivers = (m + mr - 1) / mr, colSlivers = (n + nr - 1) / nr;
        long nPad = (long)colSlivers * nr;
        int threads = p.Threads;
        bool serial = threads == 1;
        int slack = 64 / sizeof(T);
        T[] bBuf = ArrayPool<T>.Shared.Rent(checked((int)(nPad * k) + slack));
        try
        {
            fixed (T* bPack = bBuf)
            {
                // Packed B: slice q at q KC nPad, sliver s of it at s kc NR.
                T* bk = Align(bPack);
                For(serial, threads, slices, q =>
                {
                    int pc = q * KC, kc = Math.Min(KC, k - pc);
                    PackB<T>(p.TB, p.B, p.Ldb, pc, kc, 0, n, bk + q * KC * nPad, nr);
                });
                int blocks = serial ? 1 : Math.Min(rowSlivers, 4 * threads);
                int perBlock = (rowSlivers + blocks - 1) / blocks;
                blocks = (rowSlivers + perBlock - 1) / perBlock;
                For(serial, threads, blocks, t =>
                {
                    for (int i = t * perBlock, i1 = Math.Min(rowSlivers, i + perBlock); i < i1; i++)
                    {
                        int row = i * mr, rows = Math.Min(mr, m - row);
                        T* ai = P.Rows ? p.A + (long)row * p.Lda : p.A + row;
                        for (int s = 0; s < colSlivers; s++)
                        {
                            T* ci = p.C + (long)row * p.Ldc + s * nr;
                            int cols = Math.Min(nr, n - s * nr);
                            for (int q = 0; q < slices; q++)
                            {
                                int pc = q * KC, kc = Math.Min(KC, k - pc);
                                Kernel<T, TV, L, S, P>(kc, P.Rows ? ai + pc : ai + (long)pc * p.Lda, p.Lda, bk + q * KC * nPad + (long)s * kc * nr, ci, p.Ldc, rows, cols,
                                    p.Alpha, p.Beta, q == 0, prefetchC: q == 0);
                            }
                        }
                    }
                });
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(bBuf);
        }
    }

    /// <summary>dst[j * ldd + i] = src[i * lds + j] for an rows x cols source (8 x 8 float or 4 x 4 double blocks in registers where AVX is available).</summary>
    private static unsafe void Transpose<T>(T* src, int lds, T* dst, int ldd, int rows, int cols) where T : unmanaged
    {
        int i8 = 0, j8 = 0, block = RegisterBlock<T>();
        if (block > 0)
        {
            i8 = rows / block * block;
            j8 = cols / block * block;
            for (int i = 0; i < i8; i += block)
                for (int j = 0; j < j8; j += block)
                    TransposeBlock(src + (long)i * lds + j, lds, dst + (long)j * ldd + i, ldd);
        }
        for (int i = 0; i < rows; i++)
            for (int j = i < i8 ? j8 : 0; j < cols; j++)
                dst[(long)j * ldd + i] = src[(long)i * lds + j];
    }

    private static unsafe T* Align<T>(T* p) where T : unmanaged => (T*)(((nuint)p + 63) & ~(nuint)63);

    private static void For(bool serial, int threads, int count, Action<int> body)
    {
        if (serial)
            for (int i = 0; i < count; i++) body(i);
        else
            Parallelism.For(count, body, threads);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static void ScaleC<T>(int m, int n, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == T.Zero) row.Clear();
            else if (beta != T.One) for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }

    /// <summary>op(A)[i0 .. i0 + rows, p0 .. p0 + kc] into dst[p * MR + r], rows beyond <paramref name="rows"/> zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackA<T, S>(bool ta, T* a, int lda, int i0, int rows, int p0, int kc, T* dst)
        where T : unmanaged, IFloatingPointIeee754<T> where S : IGemmTile
    {
        int mr = S.Rows;
        if (!ta)
        {
            // Row r of the sliver is row i0 + r of a: a transpose, 8 x 8 or 4 x 8 blocks in registers where AVX is available.
            int r0 = 0, p8 = 0;
            if (typeof(T) == typeof(float) && Avx.IsSupported)
            {
                p8 = kc / 8 * 8;
                for (; r0 + 4 <= rows; r0 += r0 + 8 <= rows ? 8 : 4)
                {
                    float* src = (float*)a + (long)(i0 + r0) * lda + p0;
                    float* d = (float*)dst + r0;
                    bool eight = r0 + 8 <= rows;
                    for (int p = 0; p < p8; p += 8)
                    {
                        if (eight) Transpose8x8(src + p, lda, d + p * mr, mr);
                        else Transpose4x8(src + p, lda, d + p * mr, mr);
                    }
                }
            }
            else if (typeof(T) == typeof(double) && Avx.IsSupported)
            {
                p8 = kc / 4 * 4;
                for (; r0 + 4 <= rows; r0 += 4)
                {
                    double* src = (double*)a + (long)(i0 + r0) * lda + p0;
                    double* d = (double*)dst + r0;
                    for (int p = 0; p < p8; p += 4)
                        Transpose4x4(src + p, lda, d + p * mr, mr);
                }
            }
            for (int r = 0; r < mr; r++)
            {
                int pStart = r < r0 ? p8 : 0;
                if (r < rows)
                {
                    T* src = a + (long)(i0 + r) * lda + p0;
                    for (int p = pStart; p < kc; p++) dst[p * mr + r] = src[p];
                }
                else
                {
                    for (int p = pStart; p < kc; p++) dst[p * mr + r] = T.Zero;
                }
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                T* src = a + (long)(p0 + p) * lda + i0;
                T* d = dst + p * mr;
                Copy(src, d, rows);
                for (int r = rows; r < mr; r++) d[r] = T.Zero;
            }
        }
    }

    /// <summary>dst[0 .. count] = src[0 .. count] (short runs: no call into the runtime's memmove).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy<T>(T* src, T* dst, int count) where T : unmanaged
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<T>.Count <= count; i += Vector256<T>.Count) Vector256.Load(src + i).Store(dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>op(B)[p0 .. p0 + kc, j0 .. j0 + cols] into NR-column slivers, sliver s at dst + s kc NR holding element
    /// (p, j) at p NR + j; columns of the last sliver beyond <paramref name="cols"/> zero.</summary>
    /// <remarks>Not transposed, each row of the slice is read once, front to back, for every sliver (a sliver at a time
    /// would read NR columns of each row with the row stride between reads, a new page per read that the hardware
    /// prefetcher does not follow). Transposed, the rows of the next register block are prefetched while one is
    /// transposed.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackB<T>(bool tb, T* b, int ldb, int p0, int kc, int j0, int cols, T* dst, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int slivers = (cols + nr - 1) / nr;
        if (!tb)
        {
            for (int p = 0; p < kc; p++)
            {
                T* src = b + (long)(p0 + p) * ldb + j0;
                for (int s = 0; s < slivers; s++)
                {
                    int width = Math.Min(nr, cols - s * nr);
                    T* d = dst + (long)s * kc * nr + p * nr;
                    Copy(src + s * nr, d, width);
                    for (int j = width; j < nr; j++) d[j] = T.Zero;
                }
            }
            return;
        }
        for (int s = 0; s < slivers; s++)
            PackTransposedSliver(b, ldb, p0, kc, j0 + s * nr, Math.Min(nr, cols - s * nr), cols - s * nr, dst + (long)s * kc * nr, nr);
    }

    /// <summary>One sliver of <see cref="PackB{T}"/> with B transposed: column j of op(B) is row j0 + j of b; rows up to
    /// <paramref name="rowsLeft"/> (this sliver's and the next ones') may be prefetched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PackTransposedSliver<T>(T* b, int ldb, int p0, int kc, int j0, int cols, int rowsLeft, T* dst, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p8 = 0, block = RegisterBlock<T>();
        if (block > 0 && cols == nr && nr % block == 0)
        {
            // Transpose square blocks in registers; one cache line of each of the next block's rows per line of this block's.
            p8 = kc / block * block;
            int lineElements = 64 / sizeof(T);
            for (int jb = 0; jb < nr; jb += block)
            {
                T* src = b + (long)(j0 + jb) * ldb + p0;
                int ahead = Math.Min(block, rowsLeft - jb - block);
                for (int p = 0; p < p8; p += block)
                {
                    if (p % lineElements == 0)
                        for (int r = 0; r < ahead; r++) Sse.Prefetch0(src + (long)(block + r) * ldb + p);
                    TransposeBlock(src + p, ldb, dst + jb + p * nr, nr);
                }
            }
        }
        for (int j = 0; j < nr; j++)
        {
            if (j < cols)
            {
                T* src = b + (long)(j0 + j) * ldb + p0;
                for (int p = p8; p < kc; p++) dst[p * nr + j] = src[p];
            }
            else
            {
                for (int p = 0; p < kc; p++) dst[p * nr + j] = T.Zero;
            }
        }
    }

    /// <summary>dst[q * dstStride + r] = src[r * srcStride + q] for an 8 x 8 float block (AVX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* src, int srcStride, float* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2L * srcStride);
        var r3 = Avx.LoadVector256(src + 3L * srcStride);
        var r4 = Avx.LoadVector256(src + 4L * srcStride);
        var r5 = Avx.LoadVector256(src + 5L * srcStride);
        var r6 = Avx.LoadVector256(src + 6L * srcStride);
        var r7 = Avx.LoadVector256(src + 7L * srcStride);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2L * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3L * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4L * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5L * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6L * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7L * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>The side of the square blocks <see cref="TransposeBlock{T}"/> transposes in registers (one AVX register per
    /// row: 8 floats or 4 doubles), 0 without AVX or for other types.</summary>
    private static int RegisterBlock<T>() where T : unmanaged =>
        !Avx.IsSupported ? 0 : typeof(T) == typeof(float) ? 8 : typeof(T) == typeof(double) ? 4 : 0;

    /// <summary>dst[q * dstStride + r] = src[r * srcStride + q] for one <see cref="RegisterBlock{T}"/>-sided block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void TransposeBlock<T>(T* src, int srcStride, T* dst, int dstStride) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Transpose8x8((float*)src, srcStride, (float*)dst, dstStride);
        else Transpose4x4((double*)src, srcStride, (double*)dst, dstStride);
    }

    /// <summary>dst[q * dstStride + r] = src[r * srcStride + q] for a 4 x 4 double block (AVX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose4x4(double* src, int srcStride, double* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2L * srcStride);
        var r3 = Avx.LoadVector256(src + 3L * srcStride);
        var t0 = Avx.UnpackLow(r0, r1);    // r0[0] r1[0] | r0[2] r1[2]
        var t1 = Avx.UnpackHigh(r0, r1);   // r0[1] r1[1] | r0[3] r1[3]
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + 2L * dstStride, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + 3L * dstStride, Avx.Permute2x128(t1, t3, 0x31));
    }

    /// <summary>dst[q * dstStride + r] = src[r * srcStride + q] for a 4 x 8 float block (AVX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose4x8(float* src, int srcStride, float* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2L * srcStride);
        var r3 = Avx.LoadVector256(src + 3L * srcStride);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var u0 = Avx.Shuffle(t0, t2, 0x44);   // columns 0 | 4
        var u1 = Avx.Shuffle(t0, t2, 0xEE);   // columns 1 | 5
        var u2 = Avx.Shuffle(t1, t3, 0x44);   // columns 2 | 6
        var u3 = Avx.Shuffle(t1, t3, 0xEE);   // columns 3 | 7
        u0.GetLower().Store(dst);
        u1.GetLower().Store(dst + dstStride);
        u2.GetLower().Store(dst + 2L * dstStride);
        u3.GetLower().Store(dst + 3L * dstStride);
        u0.GetUpper().Store(dst + 4L * dstStride);
        u1.GetUpper().Store(dst + 5L * dstStride);
        u2.GetUpper().Store(dst + 6L * dstStride);
        u3.GetUpper().Store(dst + 7L * dstStride);
    }

    /// <summary>One k step of one tile row: c_v += a_r b_v for the row's vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<T, TV, L, S>(T x, TV b0, TV b1, TV b2, TV b3, ref TV c0, ref TV c1, ref TV c2, ref TV c3)
        where T : unmanaged where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        TV v = L.Splat(x);
        c0 = L.Fma(v, b0, c0);
        if (S.Vectors > 1) c1 = L.Fma(v, b1, c1);
        if (S.Vectors > 2) c2 = L.Fma(v, b2, c2);
        if (S.Vectors > 3) c3 = L.Fma(v, b3, c3);
    }

    /// <summary>
    /// acc = sum over p of A[:, p] B[p, :] for one MR x NR tile (packed slivers), then the slice update of C (see the class
    /// remarks) for its top-left rows x cols part. Partial tiles go through a stack tile and the same per-element arithmetic.
    /// The accumulators of rows and vectors beyond the tile are never touched (the JIT drops them). <paramref name="prefetchC"/>:
    /// fetch the C tile's lines first (false where the caller knows the tile is in L1, as in the thin driver's later slices).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel<T, TV, L, S, P>(int kc, T* a, long lda, T* b, T* c, int ldc, int rows, int cols, T alpha, T beta, bool first,
        bool prefetchC)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile where P : IGemmAOperand
    {
        int w = L.Count;
        // Where row r of the A sliver is: packed, at a[r] of each step's MR values; unpacked, row r of a row-major matrix (rows
        // beyond the sliver's last repeat it, so nothing past the matrix is read; their results are dropped below).
        // Read in place from columns, row r is a[r] of each step (clamped the same way), the steps lda apart.
        int last = rows - 1;
        long o1 = Offset<P, S>(1, last, lda), o2 = Offset<P, S>(2, last, lda), o3 = Offset<P, S>(3, last, lda);
        long o4 = Offset<P, S>(4, last, lda), o5 = Offset<P, S>(5, last, lda), o6 = Offset<P, S>(6, last, lda);
        long o7 = Offset<P, S>(7, last, lda), o8 = Offset<P, S>(8, last, lda), o9 = Offset<P, S>(9, last, lda);
        long o10 = Offset<P, S>(10, last, lda), o11 = Offset<P, S>(11, last, lda);
        long step = P.Rows ? 1 : P.Columns ? lda : S.Rows;
        if (prefetchC && Sse.IsSupported)
        {
            // The C tile is read and written after the loop; fetch its lines now, so their misses (C is rarely still in cache
            // from the previous slice) overlap the FMAs instead of stalling the update: 2-5% on products of 512 and more.
            for (int r = 0; r < rows; r++)
            {
                nuint start = (nuint)(c + (long)r * ldc), end = start + (nuint)(cols * sizeof(T));
                for (nuint line = start & ~(nuint)63; line < end; line += 64) Sse.Prefetch0((void*)line);
            }
        }
        TV c0_0 = default, c0_1 = default, c0_2 = default, c0_3 = default;
        TV c1_0 = default, c1_1 = default, c1_2 = default, c1_3 = default;
        TV c2_0 = default, c2_1 = default, c2_2 = default, c2_3 = default;
        TV c3_0 = default, c3_1 = default, c3_2 = default, c3_3 = default;
        TV c4_0 = default, c4_1 = default, c4_2 = default, c4_3 = default;
        TV c5_0 = default, c5_1 = default, c5_2 = default, c5_3 = default;
        TV c6_0 = default, c6_1 = default, c6_2 = default, c6_3 = default;
        TV c7_0 = default, c7_1 = default, c7_2 = default, c7_3 = default;
        TV c8_0 = default, c8_1 = default, c8_2 = default, c8_3 = default;
        TV c9_0 = default, c9_1 = default, c9_2 = default, c9_3 = default;
        TV c10_0 = default, c10_1 = default, c10_2 = default, c10_3 = default;
        TV c11_0 = default, c11_1 = default, c11_2 = default, c11_3 = default;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = L.Load(b);
            TV b1 = S.Vectors > 1 ? L.Load(b + w) : default;
            TV b2 = S.Vectors > 2 ? L.Load(b + 2 * w) : default;
            TV b3 = S.Vectors > 3 ? L.Load(b + 3 * w) : default;
            Step<T, TV, L, S>(a[0], b0, b1, b2, b3, ref c0_0, ref c0_1, ref c0_2, ref c0_3);
            if (S.Rows > 1) Step<T, TV, L, S>(a[o1], b0, b1, b2, b3, ref c1_0, ref c1_1, ref c1_2, ref c1_3);
            if (S.Rows > 2) Step<T, TV, L, S>(a[o2], b0, b1, b2, b3, ref c2_0, ref c2_1, ref c2_2, ref c2_3);
            if (S.Rows > 3) Step<T, TV, L, S>(a[o3], b0, b1, b2, b3, ref c3_0, ref c3_1, ref c3_2, ref c3_3);
            if (S.Rows > 4) Step<T, TV, L, S>(a[o4], b0, b1, b2, b3, ref c4_0, ref c4_1, ref c4_2, ref c4_3);
            if (S.Rows > 5) Step<T, TV, L, S>(a[o5], b0, b1, b2, b3, ref c5_0, ref c5_1, ref c5_2, ref c5_3);
            if (S.Rows > 6) Step<T, TV, L, S>(a[o6], b0, b1, b2, b3, ref c6_0, ref c6_1, ref c6_2, ref c6_3);
            if (S.Rows > 7) Step<T, TV, L, S>(a[o7], b0, b1, b2, b3, ref c7_0, ref c7_1, ref c7_2, ref c7_3);
            if (S.Rows > 8) Step<T, TV, L, S>(a[o8], b0, b1, b2, b3, ref c8_0, ref c8_1, ref c8_2, ref c8_3);
            if (S.Rows > 9) Step<T, TV, L, S>(a[o9], b0, b1, b2, b3, ref c9_0, ref c9_1, ref c9_2, ref c9_3);
            if (S.Rows > 10) Step<T, TV, L, S>(a[o10], b0, b1, b2, b3, ref c10_0, ref c10_1, ref c10_2, ref c10_3);
            if (S.Rows > 11) Step<T, TV, L, S>(a[o11], b0, b1, b2, b3, ref c11_0, ref c11_1, ref c11_2, ref c11_3);
            a += step;
            b += S.Vectors * w;
        }

        int nr = S.Vectors * w;
        if (rows == S.Rows && cols == nr)
        {
            UpdateRow<T, TV, L, S>(c, c0_0, c0_1, c0_2, c0_3, alpha, beta, first);
            if (S.Rows > 1) UpdateRow<T, TV, L, S>(c + 1L * ldc, c1_0, c1_1, c1_2, c1_3, alpha, beta, first);
            if (S.Rows > 2) UpdateRow<T, TV, L, S>(c + 2L * ldc, c2_0, c2_1, c2_2, c2_3, alpha, beta, first);
            if (S.Rows > 3) UpdateRow<T, TV, L, S>(c + 3L * ldc, c3_0, c3_1, c3_2, c3_3, alpha, beta, first);
            if (S.Rows > 4) UpdateRow<T, TV, L, S>(c + 4L * ldc, c4_0, c4_1, c4_2, c4_3, alpha, beta, first);
            if (S.Rows > 5) UpdateRow<T, TV, L, S>(c + 5L * ldc, c5_0, c5_1, c5_2, c5_3, alpha, beta, first);
            if (S.Rows > 6) UpdateRow<T, TV, L, S>(c + 6L * ldc, c6_0, c6_1, c6_2, c6_3, alpha, beta, first);
            if (S.Rows > 7) UpdateRow<T, TV, L, S>(c + 7L * ldc, c7_0, c7_1, c7_2, c7_3, alpha, beta, first);
            if (S.Rows > 8) UpdateRow<T, TV, L, S>(c + 8L * ldc, c8_0, c8_1, c8_2, c8_3, alpha, beta, first);
            if (S.Rows > 9) UpdateRow<T, TV, L, S>(c + 9L * ldc, c9_0, c9_1, c9_2, c9_3, alpha, beta, first);
            if (S.Rows > 10) UpdateRow<T, TV, L, S>(c + 10L * ldc, c10_0, c10_1, c10_2, c10_3, alpha, beta, first);
            if (S.Rows > 11) UpdateRow<T, TV, L, S>(c + 11L * ldc, c11_0, c11_1, c11_2, c11_3, alpha, beta, first);
            return;
        }

        T* tile = stackalloc T[S.Rows * nr];
        StoreRow<T, TV, L, S>(tile, c0_0, c0_1, c0_2, c0_3);
        if (S.Rows > 1) StoreRow<T, TV, L, S>(tile + 1 * nr, c1_0, c1_1, c1_2, c1_3);
        if (S.Rows > 2) StoreRow<T, TV, L, S>(tile + 2 * nr, c2_0, c2_1, c2_2, c2_3);
        if (S.Rows > 3) StoreRow<T, TV, L, S>(tile + 3 * nr, c3_0, c3_1, c3_2, c3_3);
        if (S.Rows > 4) StoreRow<T, TV, L, S>(tile + 4 * nr, c4_0, c4_1, c4_2, c4_3);
        if (S.Rows > 5) StoreRow<T, TV, L, S>(tile + 5 * nr, c5_0, c5_1, c5_2, c5_3);
        if (S.Rows > 6) StoreRow<T, TV, L, S>(tile + 6 * nr, c6_0, c6_1, c6_2, c6_3);
        if (S.Rows > 7) StoreRow<T, TV, L, S>(tile + 7 * nr, c7_0, c7_1, c7_2, c7_3);
        if (S.Rows > 8) StoreRow<T, TV, L, S>(tile + 8 * nr, c8_0, c8_1, c8_2, c8_3);
        if (S.Rows > 9) StoreRow<T, TV, L, S>(tile + 9 * nr, c9_0, c9_1, c9_2, c9_3);
        if (S.Rows > 10) StoreRow<T, TV, L, S>(tile + 10 * nr, c10_0, c10_1, c10_2, c10_3);
        if (S.Rows > 11) StoreRow<T, TV, L, S>(tile + 11 * nr, c11_0, c11_1, c11_2, c11_3);
        for (int r = 0; r < rows; r++)
        {
            T* cr = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
            {
                T s = alpha * tile[r * nr + j];
                cr[j] = !first ? cr[j] + s : beta == T.Zero ? s : s + beta * cr[j];
            }
        }
    }

    /// <summary>Where row r of the A sliver is within one k step (rows past the last repeat it when read in place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Offset<P, S>(int r, int last, long lda) where P : IGemmAOperand where S : IGemmTile
        => P.Rows ? Math.Min(r, last) * lda : P.Columns ? Math.Min(r, last) : r;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow<T, TV, L, S>(T* dst, TV c0, TV c1, TV c2, TV c3)
        where T : unmanaged where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        L.Store(dst, c0);
        if (S.Vectors > 1) L.Store(dst + L.Count, c1);
        if (S.Vectors > 2) L.Store(dst + 2 * L.Count, c2);
        if (S.Vectors > 3) L.Store(dst + 3 * L.Count, c3);
    }

    /// <summary>The slice update of one full tile row: C = alpha acc + beta C (first slice) or C + alpha acc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void UpdateRow<T, TV, L, S>(T* c, TV c0, TV c1, TV c2, TV c3, T alpha, T beta, bool first)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV> where S : IGemmTile
    {
        Update<T, TV, L>(c, c0, alpha, beta, first);
        if (S.Vectors > 1) Update<T, TV, L>(c + L.Count, c1, alpha, beta, first);
        if (S.Vectors > 2) Update<T, TV, L>(c + 2 * L.Count, c2, alpha, beta, first);
        if (S.Vectors > 3) Update<T, TV, L>(c + 3 * L.Count, c3, alpha, beta, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update<T, TV, L>(T* c, TV acc, T alpha, T beta, bool first)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where L : IGemmLanes<T, TV>
    {
        TV s = L.Mul(L.Splat(alpha), acc);
        if (!first) s = L.Add(s, L.Load(c));
        else if (beta != T.Zero) s = L.Add(s, L.Mul(L.Splat(beta), L.Load(c)));
        L.Store(c, s);
    }
}

/// <summary>The widths of the GEMM micro-kernel; all give the same bits.</summary>
internal enum GemmKernel
{
    /// <summary>One element at a time (the portable reference).</summary>
    Scalar,
    /// <summary>Vector256 lanes, a 6 x 2-vector tile.</summary>
    V256,
    /// <summary>Vector512 lanes, a 12 x 2, 8 x 3 or 6 x 4-vector tile.</summary>
    V512,
}
