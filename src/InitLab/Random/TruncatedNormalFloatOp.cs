using System.Runtime.CompilerServices;
using InitLab.Numerics;

namespace InitLab.Random;

/// <summary>
/// N(mean, std^2) truncated to [a, b], by inverting the CDF on the standardized interval (lo, hi): each 24-bit word
/// k gives the cell midpoint u = (k + 1/2) 2^-24 and z = Phi^-1(Phi(lo) + u (Phi(hi) - Phi(lo))). Both
/// p = Phi(lo) + u w and q = 1 - p = Phi(-hi) + (1 - u) w are formed directly (w = 1 - Phi(lo) - Phi(-hi)), so each
/// is accurate where it is small and the float quantile of <see cref="LaneMath.NormalQuantile"/> keeps both tails.
/// Intervals entirely above 0 are mirrored to below 0 (and back through the sign of the scale). The final clamp to
/// [a, b] only absorbs the rounding of the float operations; the sampled distribution is not clamped. Valid when |lo|, |hi| &lt;= <see cref="MaxAbsBound"/>.
/// The fills run it through <see cref="TruncatedNormalFloatOp{TTail}"/>, which fixes at compile time whether the quantile's
/// tail branch can be selected (<see cref="CentralOnly"/>): the same bits either way, with fewer live registers without it.
/// </summary>
internal readonly struct TruncatedNormalFloatOp
{
    /// <summary>Largest standardized bound handled in float (Giles' quantile needs 4 p q &gt;= 2^-24).</summary>
    public const double MaxAbsBound = 5.0;

    private readonly float _p0, _q0, _step, _scale, _shift, _a, _b;
    private readonly bool _centralOnly;

    public TruncatedNormalFloatOp(float mean, float std, float a, float b, double alpha, double beta)
    {
        bool flip = alpha > 0;
        double lo = flip ? -beta : alpha, hi = flip ? -alpha : beta;
        double pLo = SpecialFunctions.NormalCdf(lo), qHi = SpecialFunctions.NormalCdf(-hi);
        double width = 1.0 - pLo - qHi;
        double step = width * PhiloxFill.Inv24;
        _step = (float)step;
        _p0 = (float)(pLo + 0.5 * step);
        _q0 = (float)(qHi + 0.5 * step);
        // w = -log(4 p q) is largest at the ends of the interval; when it stays below 5 everywhere, only the central
        // branch of the quantile is ever selected and the tail branch can be skipped (same bits either way).
        double pEnd = Math.Min(pLo, qHi);
        _centralOnly = -Math.Log(4 * pEnd * (1 - pEnd)) < 4.9;
        _scale = flip ? -std : std;      // mirrors z back
        _shift = mean;
        _a = a;
        _b = b;
    }

    /// <summary>True when every lane's quantile argument stays in the central branch (w &lt; 5).</summary>
    public bool CentralOnly => _centralOnly;

    /// <summary>Fills <paramref name="dst"/> through the instantiation that matches <see cref="CentralOnly"/>.</summary>
    public void Fill(Span<float> dst, ulong seed, ulong stream, ulong firstBlock, int threads)
    {
        if (_centralOnly) PhiloxFill.Run(dst, seed, stream, firstBlock, new TruncatedNormalFloatOp<StaticFalse>(this), threads);
        else PhiloxFill.Run(dst, seed, stream, firstBlock, new TruncatedNormalFloatOp<StaticTrue>(this), threads);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal TF Map<S, TF, TU>(TU x, bool centralOnly) where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        TU k = S.ShiftRightLogical(x, 8);
        TF kf = S.ToFloat(k);
        TF kr = S.ToFloat(S.SubU(S.SplatU(0x00FFFFFF), k));     // 2^24 - 1 - k, exact
        TF p = S.Fma(kf, S.SplatF(_step), S.SplatF(_p0));
        TF q = S.Fma(kr, S.SplatF(_step), S.SplatF(_q0));
        TF z = LaneMath.NormalQuantile<S, TF, TU>(p, q, centralOnly);
        TF y = S.Fma(z, S.SplatF(_scale), S.SplatF(_shift));
        y = S.Select(S.LessThan(y, S.SplatF(_a)), S.SplatF(_a), y);
        return S.Select(S.LessThan(S.SplatF(_b), y), S.SplatF(_b), y);
    }
}

/// <summary>
/// The truncated-normal transform of <see cref="TruncatedNormalFloatOp"/> as a fill op; <typeparamref name="TTail"/> says
/// whether the quantile's tail branch is evaluated (<see cref="StaticTrue"/>) or known never to be selected
/// (<see cref="StaticFalse"/>, valid only when <see cref="TruncatedNormalFloatOp.CentralOnly"/>).
/// </summary>
internal readonly struct TruncatedNormalFloatOp<TTail>(TruncatedNormalFloatOp parameters) : IFloatPairOp where TTail : struct, IStaticFlag
{
    private readonly TruncatedNormalFloatOp _p = parameters;

    /// <inheritdoc/>
    public static bool InterleaveTwoGroups => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<S, TF, TU>(TU a, TU b, out TF ya, out TF yb) where S : ILanes<TF, TU> where TF : struct where TU : struct
        => MapPair<S, TF, TU>(in _p, a, b, out ya, out yb);

    // Not inlined, and the two words transformed side by side: inlined four times into the fill loop, the JIT hoisted
    // the ~25 broadcast constants of all four copies out of the loop and spilled them (and the polynomial accumulators)
    // to the stack. Here each constant is used twice where it is needed, and the two chains overlap.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MapPair<S, TF, TU>(in TruncatedNormalFloatOp p, TU a, TU b, out TF ya, out TF yb)
        where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        var y = p.Map<PairLanes<S, TF, TU>, Pair<TF>, Pair<TU>>(new Pair<TU>(a, b), !TTail.Value);
        ya = y.A;
        yb = y.B;
    }
}

/// <summary>A bool known to the JIT (a type argument), so that code under it folds away.</summary>
internal interface IStaticFlag
{
    static abstract bool Value { get; }
}

/// <summary>true.</summary>
internal readonly struct StaticTrue : IStaticFlag
{
    public static bool Value => true;
}

/// <summary>false.</summary>
internal readonly struct StaticFalse : IStaticFlag
{
    public static bool Value => false;
}
