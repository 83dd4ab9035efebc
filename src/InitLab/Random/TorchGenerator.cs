using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using InitLab.Numerics;

namespace InitLab.Random;

/// <summary>
/// PyTorch's CPU generator (<c>at::CPUGeneratorImpl</c>) and its float32 / float64 fills, bit for bit as PyTorch 1.13
/// computes them on x86-64 Linux: <c>torch.manual_seed(s)</c> is <c>new TorchGenerator(s)</c>, and
/// <see cref="Uniform(Span{float}, double, double)"/>, <see cref="Normal(Span{float}, double, double)"/> and
/// <see cref="RandPerm"/> are <c>tensor.uniform_</c>, <c>tensor.normal_</c> and <c>torch.randperm</c> on a contiguous
/// tensor. Calls advance one stream, as they do in PyTorch, so a sequence of calls gives PyTorch's sequence.
/// </summary>
/// <remarks>
/// <para>The engine is MT19937 seeded from the low 32 bits of the seed (<see cref="Mt19937"/>). A 32-bit draw is one
/// output; a 64-bit draw is two, the first in the high half. Uniforms: float u = (r &amp; (2^24 - 1)) 2^-24 from a 32-bit
/// draw, double u = (r &amp; (2^53 - 1)) 2^-53 from a 64-bit draw, then u (to - from) + from in the tensor's type, with
/// from and to rounded to it first.</para>
/// <para>Normals, contiguous tensors of 16 or more elements: uniforms for the whole tensor first, then Box-Muller on
/// each block of 16 (u1 = 1 - u[j], u2 = u[j + 8], r = sqrt(-2 log u1), z[j] = r cos(2 pi u2), z[j + 8] = r sin(2 pi u2),
/// then z std + mean); when the size is not a multiple of 16 the last 16 elements are drawn again and transformed
/// once more, overwriting the tail. Float tensors use the AVX2 kernel (<see cref="AvxMathFun"/>) under
/// <see cref="TorchCpuCapability.Avx2"/>, the C library's logf/cosf/sinf under <see cref="TorchCpuCapability.Default"/>;
/// double tensors use log/cos/sin.</para>
/// <para>Normals, fewer than 16 elements: one double Box-Muller pair per two elements from two 53-bit uniforms
/// (theta = 2 pi u1, r = sqrt(-2 log(1 - u2))): r cos(theta) is returned and r sin(theta) is cached in the generator
/// for the next small normal draw, in any later call, until the next <see cref="ManualSeed"/>.</para>
/// <para>What bit equality rests on: the fills' own arithmetic is plain IEEE float/double (with fused multiply-adds where
/// GCC fuses them, see <see cref="TorchCpuCapability"/>); the double normals, the small-tensor normals, the default
/// capability's float normals and <see cref="Initializers.TorchInit.TruncNormal{T}(Span{T}, TorchGenerator, double, double, double, double)"/> also call log, sin, cos and exp, which .NET
/// takes from the platform C library, as PyTorch does. Both are glibc on Linux (checked with glibc 2.36); on another
/// C library those values may differ in the last bit.</para>
/// <para>Not thread-safe, like PyTorch's generator without its mutex: use one per thread.</para>
/// </remarks>
public sealed class TorchGenerator
{
    private Mt19937 _engine;
    private double? _nextDoubleNormal;

    /// <summary><c>torch.manual_seed(seed)</c>: a generator as PyTorch's default CPU generator after that call.</summary>
    /// <param name="seed">The seed; a negative Python seed s is 2^64 + s, as <c>torch.manual_seed</c> maps it (see <see cref="FromSeed"/>).</param>
    /// <param name="capability">Which kernel set's arithmetic to reproduce (default: AVX2, what PyTorch uses on current x86-64 CPUs).</param>
    /// <exception cref="ArgumentException">capability is not a defined value.</exception>
    public TorchGenerator(ulong seed, TorchCpuCapability capability = TorchCpuCapability.Avx2)
    {
        if (!Enum.IsDefined(capability))
            throw new ArgumentException($"capability must be Avx2 or Default, got {capability}.", nameof(capability));
        Capability = capability;
        InitialSeed = seed;
        _engine = new Mt19937(seed);
    }

    private TorchGenerator(TorchGenerator other)
    {
        Capability = other.Capability;
        InitialSeed = other.InitialSeed;
        _engine = other._engine.Clone();
        _nextDoubleNormal = other._nextDoubleNormal;
    }

    /// <summary>The generator for a Python integer seed: negative seeds wrap to 2^64 + seed, as in <c>torch.manual_seed</c>.</summary>
    public static TorchGenerator FromSeed(long seed, TorchCpuCapability capability = TorchCpuCapability.Avx2) =>
        new(unchecked((ulong)seed), capability);

    /// <summary>The PyTorch version whose generator and kernels this class reproduces.</summary>
    public const string PyTorchVersion = "1.13";

    /// <summary>The seed of the last (re)seeding (<c>torch.initial_seed()</c>); only its low 32 bits reach MT19937.</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>The kernel set whose arithmetic is reproduced.</summary>
    public TorchCpuCapability Capability { get; }

    private bool Fused => Capability == TorchCpuCapability.Avx2;

    /// <summary><c>torch.manual_seed(seed)</c>: reseeds the engine and drops the cached normal.</summary>
    public void ManualSeed(ulong seed)
    {
        InitialSeed = seed;
        _engine = new Mt19937(seed);
        _nextDoubleNormal = null;
    }

    /// <summary>An independent copy of the current state (as <c>torch.get_rng_state</c> then <c>set_rng_state</c> on a new generator).</summary>
    public TorchGenerator Clone() => new(this);

    /// <summary>The next 32-bit output (<c>generator-&gt;random()</c>).</summary>
    public uint NextUInt32() => _engine.Next();

    /// <summary>The next 64-bit value from two 32-bit outputs, the first in the high half (<c>generator-&gt;random64()</c>).</summary>
    public ulong NextUInt64()
    {
        ulong high = _engine.Next();
        return high << 32 | _engine.Next();
    }

    /// <summary>
    /// <c>tensor.uniform_(from, to)</c> on a float32 tensor: u (to - from) + from with u = (r &amp; (2^24 - 1)) 2^-24, in
    /// float (from and to rounded to float first). One 32-bit draw per element.
    /// </summary>
    /// <exception cref="ArgumentException">from or to is not finite or outside the float range, from &gt; to, or to - from overflows float.</exception>
    public void Uniform(Span<float> tensor, double from = 0, double to = 1)
    {
        CheckRange(from, to, float.MaxValue);
        float a = (float)from, width = (float)to - a;
        if (!float.IsFinite(width))
            throw new ArgumentException($"to - from must be finite in float32, got from = {Guard.Fmt(from)} and to = {Guard.Fmt(to)}.", nameof(to));
        FillUniform01(tensor);
        if (from == 0 && to == 1) return;            // u * 1 + 0 is u, fused or not
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vw = Vector256.Create(width), va = Vector256.Create(a);
            for (; i + 8 <= tensor.Length; i += 8)
            {
                var u = Vector256.Create<float>(tensor.Slice(i, 8));
                (Fused ? Vector256.FusedMultiplyAdd(u, vw, va) : u * vw + va).CopyTo(tensor.Slice(i, 8));
            }
        }
        for (; i < tensor.Length; i++) tensor[i] = MulAdd(tensor[i], width, a);
    }

    /// <summary>
    /// <c>tensor.uniform_(from, to)</c> on a float64 tensor: u (to - from) + from with u = (r &amp; (2^53 - 1)) 2^-53 from one
    /// 64-bit draw per element.
    /// </summary>
    /// <exception cref="ArgumentException">from or to is not finite, from &gt; to, or to - from overflows.</exception>
    public void Uniform(Span<double> tensor, double from = 0, double to = 1)
    {
        CheckRange(from, to, double.MaxValue);
        double width = to - from;
        if (!double.IsFinite(width))
            throw new ArgumentException($"to - from must be finite, got from = {Guard.Fmt(from)} and to = {Guard.Fmt(to)}.", nameof(to));
        FillUniform01(tensor);
        if (from == 0 && to == 1) return;
        for (int i = 0; i < tensor.Length; i++) tensor[i] = MulAdd(tensor[i], width, from);
    }

    /// <summary>
    /// <c>tensor.normal_(mean, std)</c> on a contiguous float32 tensor (see the class remarks for the two paths).
    /// </summary>
    /// <exception cref="ArgumentException">mean is not finite, or std is negative or not finite.</exception>
    public void Normal(Span<float> tensor, double mean = 0, double std = 1) => NormalFill(tensor, mean, std);

    /// <summary><c>tensor.normal_(mean, std)</c> on a contiguous float64 tensor (see the class remarks for the two paths).</summary>
    /// <exception cref="ArgumentException">mean is not finite, or std is negative or not finite.</exception>
    public void Normal(Span<double> tensor, double mean = 0, double std = 1) => NormalFill(tensor, mean, std);

    /// <summary>
    /// <c>torch.randperm(n)</c>: 0..n-1 shuffled by i = 0..n-2: swap(p[i], p[i + r % (n - i)]) with one 32-bit draw r each.
    /// </summary>
    /// <exception cref="ArgumentException">n is negative.</exception>
    public long[] RandPerm(int n)
    {
        Guard.NonNegative(n);
        var p = new long[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = 0; i < n - 1; i++)
        {
            int z = (int)(NextUInt32() % (uint)(n - i));
            (p[i], p[i + z]) = (p[i + z], p[i]);
        }
        return p;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"TorchGenerator(PyTorch {PyTorchVersion} CPU, seed = {InitialSeed}, {Capability})");

    // ---- the kernels -------------------------------------------------------------------------------

    /// <summary>normal_kernel: the per-element double path under 16 elements, else normal_fill (uniforms, blocks of 16, redrawn tail).</summary>
    private void NormalFill<T>(Span<T> tensor, double mean, double std) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckNormal(mean, std);
        if (tensor.Length < 16)
        {
            for (int i = 0; i < tensor.Length; i++) tensor[i] = T.CreateTruncating(SmallNormal(mean, std));
            return;
        }
        T m = T.CreateTruncating(mean), s = T.CreateTruncating(std);
        Uniform01(tensor);
        for (int i = 0; i + 16 <= tensor.Length; i += 16) BoxMuller16(tensor.Slice(i, 16), m, s);
        if (tensor.Length % 16 != 0)
        {
            var tail = tensor[^16..];
            Uniform01(tail);
            BoxMuller16(tail, m, s);
        }
    }

    private void Uniform01<T>(Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) FillUniform01(MemoryMarshal.Cast<T, float>(x));
        else FillUniform01(MemoryMarshal.Cast<T, double>(x));
    }

    private void BoxMuller16<T>(Span<T> d, T mean, T std) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) BoxMuller16(MemoryMarshal.Cast<T, float>(d), float.CreateTruncating(mean), float.CreateTruncating(std));
        else BoxMuller16(MemoryMarshal.Cast<T, double>(d), double.CreateTruncating(mean), double.CreateTruncating(std));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float MulAdd(float a, float b, float c) => Fused ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double MulAdd(double a, double b, double c) => Fused ? Math.FusedMultiplyAdd(a, b, c) : a * b + c;

    private double NextDouble01() => (NextUInt64() & 0x1FFFFFFFFFFFFFUL) * (1.0 / 9007199254740992.0);

    /// <summary>One 32-bit draw per element: u = (r &amp; (2^24 - 1)) 2^-24, exact in float.</summary>
    private void FillUniform01(Span<float> x)
    {
        var bits = MemoryMarshal.Cast<float, uint>(x);
        _engine.Fill(bits);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= x.Length; i += 8)
            {
                var r = Vector256.Create<uint>(bits.Slice(i, 8)) & Vector256.Create(0xFFFFFFu);
                (Vector256.ConvertToSingle(r.AsInt32()) * Vector256.Create(1.0f / 16777216.0f)).CopyTo(x.Slice(i, 8));
            }
        for (; i < x.Length; i++) x[i] = (bits[i] & 0xFFFFFF) * (1.0f / 16777216.0f);
    }

    /// <summary>One 64-bit draw (two 32-bit draws, the first high) per element: u = (r &amp; (2^53 - 1)) 2^-53, exact in double.</summary>
    private void FillUniform01(Span<double> x)
    {
        var bits = MemoryMarshal.Cast<double, ulong>(x);
        _engine.Fill(MemoryMarshal.Cast<ulong, uint>(bits));
        for (int i = 0; i < x.Length; i++)
        {
            // Little-endian: the first draw landed in the low half; it belongs in the high half.
            ulong r = BitOperations.RotateLeft(bits[i], 32);
            x[i] = (r & 0x1FFFFFFFFFFFFFUL) * (1.0 / 9007199254740992.0);
        }
    }

    /// <summary>at::normal_distribution&lt;double&gt;(mean, std), the kernel for tensors under 16 elements.</summary>
    private double SmallNormal(double mean, double std)
    {
        if (_nextDoubleNormal is double cached)
        {
            _nextDoubleNormal = null;
            return MulAdd(cached, std, mean);
        }
        double u1 = NextDouble01(), u2 = NextDouble01();
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        _nextDoubleNormal = r * Math.Sin(theta);
        return MulAdd(r * Math.Cos(theta), std, mean);
    }

    /// <summary>normal_fill_16 for float: the AVX2 kernel or, under the default capability, the scalar one.</summary>
    private void BoxMuller16(Span<float> d, float mean, float std)
    {
        if (Fused)
        {
            // normal_fill_16_AVX2: the 8 lanes of u1 = 1 - d[0..8) and u2 = d[8..16).
            var u1 = Vector256.Create(1f) - Vector256.Create<float>(d[..8]);
            var u2 = Vector256.Create<float>(d[8..]);
            var radius = Vector256.Sqrt(Vector256.Create(-2f) * AvxMathFun.Log(u1));
            var (sin, cos) = AvxMathFun.SinCos(Vector256.Create((float)(2.0 * Math.PI)) * u2);
            Vector256<float> vs = Vector256.Create(std), vm = Vector256.Create(mean);
            Vector256.FusedMultiplyAdd(radius * cos, vs, vm).CopyTo(d[..8]);
            Vector256.FusedMultiplyAdd(radius * sin, vs, vm).CopyTo(d[8..]);
            return;
        }
        for (int j = 0; j < 8; j++)
        {
            float radius = MathF.Sqrt(-2f * MathF.Log(1f - d[j]));
            float theta = (float)(2.0 * Math.PI * d[j + 8]);
            d[j] = radius * MathF.Cos(theta) * std + mean;
            d[j + 8] = radius * MathF.Sin(theta) * std + mean;
        }
    }

    /// <summary>normal_fill_16 for double.</summary>
    private void BoxMuller16(Span<double> d, double mean, double std)
    {
        for (int j = 0; j < 8; j++)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - d[j]));
            double theta = 2.0 * Math.PI * d[j + 8];
            d[j] = MulAdd(radius * Math.Cos(theta), std, mean);
            d[j + 8] = MulAdd(radius * Math.Sin(theta), std, mean);
        }
    }

    private static void CheckRange(double from, double to, double max)
    {
        Guard.Finite(from);
        Guard.Finite(to);
        if (Math.Abs(from) > max || Math.Abs(to) > max)
            throw new ArgumentException($"from and to must lie within the tensor type's range ±{Guard.Fmt(max)}, got from = {Guard.Fmt(from)} and to = {Guard.Fmt(to)}.", nameof(from));
        if (!(from <= to))
            throw new ArgumentException($"uniform_ expects from <= to, got from = {Guard.Fmt(from)} and to = {Guard.Fmt(to)}.", nameof(from));
    }

    private static void CheckNormal(double mean, double std)
    {
        Guard.Finite(mean);
        Guard.NonNegative(std);
    }

    internal float Erfinv(float y) => TorchErfinv.Erfinv(y, Fused);

    internal double Erfinv(double y) => TorchErfinv.Erfinv(y, Fused);
}
