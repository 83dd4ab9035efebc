using InitLab.Numerics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InitLab.Networks.Ops;

/// <summary>
/// The arithmetic shared by batch, layer, group and RMS norm: the input splits into sets normalized on their own; set s is
/// <see cref="Runs"/> contiguous runs of <see cref="RunLength"/> elements starting at s * SetStride + r * RunStride, and
/// element j of a run uses affine entry (s mod AffineModulus) * AffineStep + j / AffineDivisor.
/// </summary>
/// <remarks>
/// Forward: mu = mean(x) (0 without centering), v = mean((x - mu)^2) (biased, as PyTorch normalizes), xhat = (x - mu) / sqrt(v + eps),
/// y = gamma xhat + beta. Backward, with g = dL/dy gamma: dL/dx = (g - mean(g) - xhat mean(g xhat)) / sqrt(v + eps) (without
/// the mean(g) term when not centering), dL/dgamma = sum dL/dy xhat, dL/dbeta = sum dL/dy. Statistics in double.
/// </remarks>
internal sealed class Normalization
{
    public int Sets, Runs, RunLength, SetStride, RunStride, AffineModulus = 1, AffineStep, AffineDivisor = 1;
    public bool Center = true;
    public double Epsilon;

    /// <summary>Given statistics per set (batch norm in inference mode: running mean and variance) instead of the measured ones.</summary>
    public (double[] Mean, double[] Variance)? Fixed;

    private int Count => Runs * RunLength;

    private int Start(int s, int r) => s * SetStride + r * RunStride;

    private int Affine(int s, int j) => (s % AffineModulus) * AffineStep + j / AffineDivisor;

    /// <summary>Normalizes x into y; returns (mean, 1 / sqrt(var + eps)) per set for the backward pass.</summary>
    public (double[] Mean, double[] InvStd) Forward<T>(T[] x, T[] y, T[]? gamma, T[]? beta, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var mean = new double[Sets];
        var inv = new double[Sets];
        // Sets go in groups of eight whose sums run interleaved (in vector lanes for floats on x86, else four at a time): each
        // set's sums are still one chain in index order (the same bits as one set at a time), but independent chains overlap
        // their add latencies.
        int groups = (Sets + 7) / 8;
        Parallelism.For(groups, grp =>
        {
            int s0 = 8 * grp, count = Math.Min(8, Sets - s0);
            if (Fixed is { } given)
            {
                for (int s = s0; s < s0 + count; s++)
                {
                    mean[s] = given.Mean[s];
                    inv[s] = 1 / Math.Sqrt(given.Variance[s] + Epsilon);
                    Normalize(x, y, gamma, beta, s, mean[s], inv[s]);
                }
                return;
            }
            if (count == 8 && typeof(T) == typeof(float) && System.Runtime.Intrinsics.X86.Sse.IsSupported && Vector256.IsHardwareAccelerated)
                Statistics8Lanes(MemoryMarshal.Cast<T, float>(x.AsSpan()), s0, mean, inv);
            else
            {
                int s = s0;
                for (; s + 4 <= s0 + count; s += 4) Statistics4(x, s, mean, inv);
                for (; s < s0 + count; s++) (mean[s], inv[s]) = Statistics(x, s);
            }
            for (int s = s0; s < s0 + count; s++) Normalize(x, y, gamma, beta, s, mean[s], inv[s]);
        }, threads);
        return (mean, inv);
    }

    /// <summary>(mu, 1 / sqrt(v + eps)) of set s: mu the runs' index-order sums added in run order, v's squared deviations one
    /// chain in index order.</summary>
    private (double Mean, double InvStd) Statistics<T>(T[] x, int s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double mu = 0;
        if (Center)
        {
            for (int r = 0; r < Runs; r++) mu += Work.Sum<T>(x.AsSpan(Start(s, r), RunLength));
            mu /= Count;
        }
        double ss = 0;
        for (int r = 0; r < Runs; r++)
            foreach (var v in x.AsSpan(Start(s, r), RunLength))
            {
                double d = double.CreateTruncating(v) - mu;
                ss += d * d;
            }
        return (mu, 1 / Math.Sqrt(ss / Count + Epsilon));
    }

    /// <summary><see cref="Statistics{T}"/> of sets s0 .. s0 + 3 with their chains interleaved (the same operations in the
    /// same order per set).</summary>
    private void Statistics4<T>(T[] x, int s0, double[] mean, double[] inv) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        if (Center)
        {
            for (int r = 0; r < Runs; r++)
            {
                var a0 = x.AsSpan(Start(s0, r), RunLength);
                var a1 = x.AsSpan(Start(s0 + 1, r), RunLength);
                var a2 = x.AsSpan(Start(s0 + 2, r), RunLength);
                var a3 = x.AsSpan(Start(s0 + 3, r), RunLength);
                double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
                for (int j = 0; j < a0.Length; j++)
                {
                    t0 += double.CreateTruncating(a0[j]);
                    t1 += double.CreateTruncating(a1[j]);
                    t2 += double.CreateTruncating(a2[j]);
                    t3 += double.CreateTruncating(a3[j]);
                }
                m0 += t0;
                m1 += t1;
                m2 += t2;
                m3 += t3;
            }
            m0 /= Count;
            m1 /= Count;
            m2 /= Count;
            m3 /= Count;
        }
        double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        for (int r = 0; r < Runs; r++)
        {
            var a0 = x.AsSpan(Start(s0, r), RunLength);
            var a1 = x.AsSpan(Start(s0 + 1, r), RunLength);
            var a2 = x.AsSpan(Start(s0 + 2, r), RunLength);
            var a3 = x.AsSpan(Start(s0 + 3, r), RunLength);
            for (int j = 0; j < a0.Length; j++)
            {
                double d0 = double.CreateTruncating(a0[j]) - m0, d1 = double.CreateTruncating(a1[j]) - m1;
                double d2 = double.CreateTruncating(a2[j]) - m2, d3 = double.CreateTruncating(a3[j]) - m3;
                q0 += d0 * d0;
                q1 += d1 * d1;
                q2 += d2 * d2;
                q3 += d3 * d3;
            }
        }
        (mean[s0], mean[s0 + 1], mean[s0 + 2], mean[s0 + 3]) = (m0, m1, m2, m3);
        inv[s0] = 1 / Math.Sqrt(q0 / Count + Epsilon);
        inv[s0 + 1] = 1 / Math.Sqrt(q1 / Count + Epsilon);
        inv[s0 + 2] = 1 / Math.Sqrt(q2 / Count + Epsilon);
        inv[s0 + 3] = 1 / Math.Sqrt(q3 / Count + Epsilon);
    }

    /// <summary>
    /// <see cref="Statistics{T}"/> of float sets s0 .. s0 + 7 with the eight sets in the lanes of two double vectors: four consecutive floats of each set are
    /// loaded, transposed (lane k holds set k's element j), widened and added to the lanes' chains element by element, so each
    /// set's chain is the same sequence of operations as in <see cref="Statistics{T}"/>; a run's last RunLength mod 4 elements
    /// continue the chains in scalars. x86 only (the transposes are SSE shuffles).
    /// </summary>
    private void Statistics8Lanes(ReadOnlySpan<float> x, int s0, double[] mean, double[] inv)
    {
        ref float x0 = ref MemoryMarshal.GetReference(x);
        int stride = SetStride, length = RunLength, body = length & ~3;
        if ((long)Start(s0 + 7, Runs - 1) + length > x.Length || Start(s0, 0) < 0) throw new InvalidOperationException("normalization layout outside the input.");
        Span<double> t = stackalloc double[8], q = stackalloc double[8];
        var mLo = Vector256<double>.Zero;
        var mHi = Vector256<double>.Zero;
        if (Center)
        {
            for (int r = 0; r < Runs; r++)
            {
                ref float a0 = ref Unsafe.Add(ref x0, Start(s0, r));
                var tLo = Vector256<double>.Zero;
                var tHi = Vector256<double>.Zero;
                for (int j = 0; j < body; j += 4)
                {
                    Transpose(ref Unsafe.Add(ref a0, j), stride, out var l0, out var l1, out var l2, out var l3);
                    Transpose(ref Unsafe.Add(ref a0, 4 * stride + j), stride, out var h0, out var h1, out var h2, out var h3);
                    tLo += Vector256.WidenLower(l0.ToVector256Unsafe());
                    tHi += Vector256.WidenLower(h0.ToVector256Unsafe());
                    tLo += Vector256.WidenLower(l1.ToVector256Unsafe());
                    tHi += Vector256.WidenLower(h1.ToVector256Unsafe());
                    tLo += Vector256.WidenLower(l2.ToVector256Unsafe());
                    tHi += Vector256.WidenLower(h2.ToVector256Unsafe());
                    tLo += Vector256.WidenLower(l3.ToVector256Unsafe());
                    tHi += Vector256.WidenLower(h3.ToVector256Unsafe());
                }
                if (body < length)
                {
                    tLo.CopyTo(t);
                    tHi.CopyTo(t[4..]);
                    for (int k = 0; k < 8; k++)
                        for (int j = body; j < length; j++) t[k] += Unsafe.Add(ref a0, k * stride + j);
                    tLo = Vector256.Create(t[0], t[1], t[2], t[3]);
                    tHi = Vector256.Create(t[4], t[5], t[6], t[7]);
                }
                mLo += tLo;
                mHi += tHi;
            }
            mLo /= Vector256.Create((double)Count);
            mHi /= Vector256.Create((double)Count);
        }
        var qLo = Vector256<double>.Zero;
        var qHi = Vector256<double>.Zero;
        for (int r = 0; r < Runs; r++)
        {
            ref float a0 = ref Unsafe.Add(ref x0, Start(s0, r));
            for (int j = 0; j < body; j += 4)
            {
                Transpose(ref Unsafe.Add(ref a0, j), stride, out var l0, out var l1, out var l2, out var l3);
                Transpose(ref Unsafe.Add(ref a0, 4 * stride + j), stride, out var h0, out var h1, out var h2, out var h3);
                AddSquare(ref qLo, ref qHi, l0, h0, mLo, mHi);
                AddSquare(ref qLo, ref qHi, l1, h1, mLo, mHi);
                AddSquare(ref qLo, ref qHi, l2, h2, mLo, mHi);
                AddSquare(ref qLo, ref qHi, l3, h3, mLo, mHi);
            }
            if (body < length)
            {
                qLo.CopyTo(q);
                qHi.CopyTo(q[4..]);
                for (int k = 0; k < 8; k++)
                {
                    double mk = k < 4 ? mLo[k] : mHi[k - 4];
                    for (int j = body; j < length; j++)
                    {
                        double d = Unsafe.Add(ref a0, k * stride + j) - mk;
                        q[k] += d * d;
                    }
                }
                qLo = Vector256.Create(q[0], q[1], q[2], q[3]);
                qHi = Vector256.Create(q[4], q[5], q[6], q[7]);
            }
        }
        for (int k = 0; k < 4; k++)
        {
            mean[s0 + k] = mLo[k];
            mean[s0 + 4 + k] = mHi[k];
            inv[s0 + k] = 1 / Math.Sqrt(qLo[k] / Count + Epsilon);
            inv[s0 + 4 + k] = 1 / Math.Sqrt(qHi[k] / Count + Epsilon);
        }
    }

    /// <summary>q += (widen(x) - m)^2 for the low and the high four sets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSquare(ref Vector256<double> qLo, ref Vector256<double> qHi, Vector128<float> lo, Vector128<float> hi,
        Vector256<double> mLo, Vector256<double> mHi)
    {
        var d = Vector256.WidenLower(lo.ToVector256Unsafe()) - mLo;
        var e = Vector256.WidenLower(hi.ToVector256Unsafe()) - mHi;
        qLo += d * d;
        qHi += e * e;
    }

    /// <summary>Four consecutive floats of four rows <paramref name="stride"/> apart, transposed: c_j holds element j of rows 0..3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref float a, int stride, out Vector128<float> c0, out Vector128<float> c1, out Vector128<float> c2, out Vector128<float> c3)
    {
        var r0 = Vector128.LoadUnsafe(ref a);
        var r1 = Vector128.LoadUnsafe(ref Unsafe.Add(ref a, stride));
        var r2 = Vector128.LoadUnsafe(ref Unsafe.Add(ref a, 2 * stride));
        var r3 = Vector128.LoadUnsafe(ref Unsafe.Add(ref a, 3 * stride));
        var t0 = System.Runtime.Intrinsics.X86.Sse.UnpackLow(r0, r1);
        var t1 = System.Runtime.Intrinsics.X86.Sse.UnpackLow(r2, r3);
        var t2 = System.Runtime.Intrinsics.X86.Sse.UnpackHigh(r0, r1);
        var t3 = System.Runtime.Intrinsics.X86.Sse.UnpackHigh(r2, r3);
        c0 = System.Runtime.Intrinsics.X86.Sse.MoveLowToHigh(t0, t1);
        c1 = System.Runtime.Intrinsics.X86.Sse.MoveHighToLow(t1, t0);
        c2 = System.Runtime.Intrinsics.X86.Sse.MoveLowToHigh(t2, t3);
        c3 = System.Runtime.Intrinsics.X86.Sse.MoveHighToLow(t3, t2);
    }

    /// <summary>y = gamma (x - mu) invStd + beta over set <paramref name="s"/>.</summary>
    private void Normalize<T>(T[] x, T[] y, T[]? gamma, T[]? beta, int s, double mu, double invStd) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < Runs; r++)
        {
            int start = Start(s, r);
            if (AffineDivisor >= RunLength)
            {
                // One affine entry for the whole run (batch norm): y = a x + b with a = gamma / sigma, b = beta - mu a.
                int e = Affine(s, 0);
                double g = gamma is null ? 1 : double.CreateTruncating(gamma[e]);
                double a = g * invStd, b = (beta is null ? 0 : double.CreateTruncating(beta[e])) - mu * a;
                ApplyAffine(x.AsSpan(start, RunLength), y.AsSpan(start, RunLength), T.CreateTruncating(a), T.CreateTruncating(b));
                continue;
            }
            if (typeof(T) == typeof(float) && AffineDivisor == 1)
            {
                NormalizeFloats(MemoryMarshal.Cast<T, float>(x.AsSpan(start, RunLength)), MemoryMarshal.Cast<T, float>(y.AsSpan(start, RunLength)),
                    gamma is null ? default : MemoryMarshal.Cast<T, float>(gamma.AsSpan(Affine(s, 0), RunLength)),
                    beta is null ? default : MemoryMarshal.Cast<T, float>(beta.AsSpan(Affine(s, 0), RunLength)), mu, invStd, DoubleLanes.Best);
                continue;
            }
            for (int j = 0; j < RunLength; j++)
            {
                double xhat = (double.CreateTruncating(x[start + j]) - mu) * invStd;
                int e = Affine(s, j);
                double g = gamma is null ? 1 : double.CreateTruncating(gamma[e]);
                double b = beta is null ? 0 : double.CreateTruncating(beta[e]);
                y[start + j] = T.CreateTruncating(g * xhat + b);
            }
        }
    }

    /// <summary>
    /// y_j = gamma_j ((x_j - mu) invStd) + beta_j over a float run in lanes of <paramref name="width"/> (the tail one at a time), each
    /// in double and rounded once to float: per element the double arithmetic of <see cref="Normalize{T}"/>'s scalar loop (gamma 1
    /// and beta 0 when empty, as there; no fused multiply-add), so the same bits on every width. y may be x.
    /// </summary>
    internal static void NormalizeFloats(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, double mu,
        double invStd, LaneWidth width)
    {
        if (y.Length < x.Length || !gamma.IsEmpty && gamma.Length < x.Length || !beta.IsEmpty && beta.Length < x.Length)
            throw new ArgumentException("normalization spans shorter than the run.");
        int j = width switch
        {
            LaneWidth.V512 => NormalizeLanes<DoubleLanes512, Vector512<double>>(x, y, gamma, beta, mu, invStd, 0),
            LaneWidth.V256 => NormalizeLanes<DoubleLanes256, Vector256<double>>(x, y, gamma, beta, mu, invStd, 0),
            LaneWidth.V128 => NormalizeLanes<DoubleLanes128, Vector128<double>>(x, y, gamma, beta, mu, invStd, 0),
            _ => 0,
        };
        NormalizeLanes<ScalarDouble, double>(x, y, gamma, beta, mu, invStd, j);
    }

    /// <summary><see cref="NormalizeFloats"/> from element <paramref name="j"/> on, L.Count elements a step, while a whole step
    /// fits; returns where it stopped.</summary>
    private static int NormalizeLanes<L, TV>(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        double mu, double invStd, int j) where L : IDoubleLanes<TV> where TV : struct
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float gs = ref MemoryMarshal.GetReference(gamma);
        ref float bs = ref MemoryMarshal.GetReference(beta);
        bool hasGamma = !gamma.IsEmpty, hasBeta = !beta.IsEmpty;
        TV vmu = L.Splat(mu), vinv = L.Splat(invStd), g = L.Splat(1), b = L.Splat(0);
        for (; j + L.Count <= x.Length; j += L.Count)
        {
            var xhat = L.Mul(L.Sub(L.LoadWidened(ref Unsafe.Add(ref xs, j)), vmu), vinv);
            if (hasGamma) g = L.LoadWidened(ref Unsafe.Add(ref gs, j));
            if (hasBeta) b = L.LoadWidened(ref Unsafe.Add(ref bs, j));
            L.StoreNarrowed(L.Add(L.Mul(g, xhat), b), ref Unsafe.Add(ref ys, j));
        }
        return j;
    }

    /// <summary>
    /// The float forward-error bound (<see cref="IErrorBoundRule"/>) of every output element, first order in u, for an
    /// implementation that computes the statistics in any order, one-pass (E[x^2] - mu^2) or two-pass.
    /// </summary>
    /// <remarks>
    /// <para>Given statistics (y = a x + b, a = gamma / sqrt(var + eps), b = beta - mu a): |a| e_x + gamma_6 (|a| (|x| + |mu|) + |beta|)
    /// + u |y|.</para>
    /// <para>Measured statistics over n elements (sigma = sqrt(var + eps), xhat = (x - mu) / sigma): an input perturbation d moves
    /// y_j by gamma_j / sigma (d_j - mean d - xhat_j mean(xhat d)), at most |gamma_j| / sigma (e_j + mean e + |xhat_j| mean(|xhat| e)).
    /// Rounding: mu is off by gamma_n mean |x|, var by gamma_(n + 3) (mean x^2 + mu^2), so sigma by half that over sigma^2 plus 2u
    /// (square root, division); then |gamma_j| / sigma (u |x_j - mu| + gamma_n mean |x|) + |gamma_j xhat_j| (gamma_(n + 3)
    /// (mean x^2 + mu^2) / (2 sigma^2) + 3u) + u (|beta_j| + |y_j|). Without centering (RMS norm) mu = 0.</para>
    /// </remarks>
    public void ErrorBound(double[] x, double[] e, double[] y, double[]? gamma, double[]? beta, double[] error)
    {
        double u = ErrorBoundPass.Unit;
        int n = Count;
        for (int s = 0; s < Sets; s++)
        {
            double mu = 0, sumAbs = 0, sumSq = 0, sumE = 0;
            for (int r = 0; r < Runs; r++)
                for (int j = 0, start = Start(s, r); j < RunLength; j++)
                {
                    double v = x[start + j];
                    mu += v;
                    sumAbs += Math.Abs(v);
                    sumSq += v * v;
                    sumE += e[start + j];
                }
            mu = Center ? mu / n : 0;
            double variance, meanAbs = sumAbs / n, meanSq = sumSq / n, meanE = sumE / n;
            if (Fixed is { } given)
            {
                mu = given.Mean[s];
                variance = given.Variance[s];
            }
            else variance = Math.Max(0, meanSq - mu * mu);
            double sigma = Math.Sqrt(variance + Epsilon);
            double weightedE = 0;
            if (Fixed is null)
                for (int r = 0; r < Runs; r++)
                    for (int j = 0, start = Start(s, r); j < RunLength; j++)
                        weightedE += Math.Abs(x[start + j] - mu) / sigma * e[start + j];
            weightedE /= n;
            double sigmaError = ErrorBoundPass.Gamma(n + 3) * (meanSq + mu * mu) / (2 * sigma * sigma) + 3 * u;
            double muError = Center ? ErrorBoundPass.Gamma(n) * meanAbs : 0;
            for (int r = 0; r < Runs; r++)
                for (int j = 0, start = Start(s, r); j < RunLength; j++)
                {
                    int k = start + j, a = Affine(s, j);
                    double g = gamma is null ? 1 : Math.Abs(gamma[a]), b = beta is null ? 0 : Math.Abs(beta[a]);
                    double xhat = Math.Abs(x[k] - mu) / sigma;
                    error[k] = Fixed is not null
                        ? g / sigma * e[k] + ErrorBoundPass.Gamma(6) * (g / sigma * (Math.Abs(x[k]) + Math.Abs(mu)) + b) + u * Math.Abs(y[k])
                        : g / sigma * (e[k] + (Center ? meanE : 0) + xhat * weightedE)
                          + g / sigma * (u * Math.Abs(x[k] - mu) + muError) + g * xhat * sigmaError + u * (b + Math.Abs(y[k]));
                }
        }
    }

    /// <summary>y = a x + b element-wise (rounded multiply then add, the same bits on every vector width).</summary>
    private static void ApplyAffine<T>(ReadOnlySpan<T> x, Span<T> y, T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && x.Length >= System.Numerics.Vector<T>.Count)
        {
            var va = new System.Numerics.Vector<T>(a);
            var vb = new System.Numerics.Vector<T>(b);
            for (; i <= x.Length - System.Numerics.Vector<T>.Count; i += System.Numerics.Vector<T>.Count)
                (new System.Numerics.Vector<T>(x.Slice(i)) * va + vb).CopyTo(y.Slice(i));
        }
        for (; i < x.Length; i++) y[i] = x[i] * a + b;
    }

    /// <summary>Adds dL/dx to dx (when not null) and writes dL/dgamma, dL/dbeta (when not null).</summary>
    public void Backward<T>(T[] x, T[] dy, (double[] Mean, double[] InvStd) stats, T[]? gamma, T[]? dx, T[]? dGamma, T[]? dBeta, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dx is not null)
            Parallelism.For(Sets, s =>
            {
                double mu = stats.Mean[s], invStd = stats.InvStd[s], sg = 0, sgx = 0;
                for (int r = 0; r < Runs; r++)
                {
                    int start = Start(s, r);
                    for (int j = 0; j < RunLength; j++)
                    {
                        double g = double.CreateTruncating(dy[start + j]) * (gamma is null ? 1 : double.CreateTruncating(gamma[Affine(s, j)]));
                        sg += g;
                        sgx += g * (double.CreateTruncating(x[start + j]) - mu) * invStd;
                    }
                }
                // Given statistics do not depend on x: dL/dx = g / sigma.
                double mg = Center && Fixed is null ? sg / Count : 0, mgx = Fixed is null ? sgx / Count : 0;
                for (int r = 0; r < Runs; r++)
                {
                    int start = Start(s, r);
                    for (int j = 0; j < RunLength; j++)
                    {
                        double g = double.CreateTruncating(dy[start + j]) * (gamma is null ? 1 : double.CreateTruncating(gamma[Affine(s, j)]));
                        double xhat = (double.CreateTruncating(x[start + j]) - mu) * invStd;
                        dx[start + j] += T.CreateTruncating(invStd * (g - mg - xhat * mgx));
                    }
                }
            }, threads);
        if (dGamma is null && dBeta is null) return;
        int entries = dGamma?.Length ?? dBeta!.Length;
        var sumGx = new double[entries];
        var sumG = new double[entries];
        for (int s = 0; s < Sets; s++)
        {
            double mu = stats.Mean[s], invStd = stats.InvStd[s];
            for (int r = 0; r < Runs; r++)
            {
                int start = Start(s, r);
                for (int j = 0; j < RunLength; j++)
                {
                    double g = double.CreateTruncating(dy[start + j]);
                    int a = Affine(s, j);
                    sumGx[a] += g * (double.CreateTruncating(x[start + j]) - mu) * invStd;
                    sumG[a] += g;
                }
            }
        }
        if (dGamma is not null) for (int a = 0; a < entries; a++) dGamma[a] = T.CreateTruncating(sumGx[a]);
        if (dBeta is not null) for (int a = 0; a < entries; a++) dBeta[a] = T.CreateTruncating(sumG[a]);
    }
}
