using System.Runtime.Intrinsics;

namespace InitLab.Random;

/// <summary>
/// The 32-bit Mersenne Twister MT19937 (Matsumoto and Nishimura 1998) as PyTorch's <c>at::mt19937</c> runs it:
/// seeded by the reference <c>init_genrand</c> recurrence s[j] = 1812433253 (s[j-1] ^ (s[j-1] &gt;&gt; 30)) + j from the low
/// 32 bits of the seed, the state regenerated in one pass of 624 twists when it runs out, outputs tempered.
/// </summary>
internal sealed class Mt19937
{
    private const int N = 624, M = 397;
    private const uint MatrixA = 0x9908b0df, UpperMask = 0x80000000, LowerMask = 0x7fffffff;

    private readonly uint[] _state = new uint[N];
    private int _left, _next;

    public Mt19937(ulong seed)
    {
        _state[0] = (uint)seed;
        for (int j = 1; j < N; j++)
            _state[j] = 1812433253u * (_state[j - 1] ^ (_state[j - 1] >> 30)) + (uint)j;
        _left = 1;
        _next = 0;
    }

    private Mt19937(Mt19937 other)
    {
        other._state.CopyTo(_state, 0);
        _left = other._left;
        _next = other._next;
    }

    public Mt19937 Clone() => new(this);

    /// <summary>The next tempered 32-bit output.</summary>
    public uint Next()
    {
        if (--_left == 0) Regenerate();
        return Temper(_state[_next++]);
    }

    /// <summary>The next <c>destination.Length</c> outputs, the same as that many calls of <see cref="Next"/>.</summary>
    public void Fill(Span<uint> destination)
    {
        while (!destination.IsEmpty)
        {
            // _left - 1 outputs remain before the state is regenerated; a regeneration makes N available again (the
            // call that triggers it does not count down, so _left is N + 1 in this bookkeeping).
            if (_left == 1)
            {
                Regenerate();
                _left = N + 1;
            }
            int count = Math.Min(_left - 1, destination.Length);
            var source = _state.AsSpan(_next, count);
            var target = destination[..count];
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i + 8 <= count; i += 8)
                    Temper(Vector256.Create<uint>(source.Slice(i, 8))).CopyTo(target.Slice(i, 8));
            for (; i < count; i++) target[i] = Temper(source[i]);
            _next += count;
            _left -= count;
            destination = destination[count..];
        }
    }

    private static uint Temper(uint y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }

    private static Vector256<uint> Temper(Vector256<uint> y)
    {
        y ^= Vector256.ShiftRightLogical(y, 11);
        y ^= Vector256.ShiftLeft(y, 7) & Vector256.Create(0x9d2c5680u);
        y ^= Vector256.ShiftLeft(y, 15) & Vector256.Create(0xefc60000u);
        return y ^ Vector256.ShiftRightLogical(y, 18);
    }

    private static uint Twist(uint u, uint v) => (((u & UpperMask) | (v & LowerMask)) >> 1) ^ ((v & 1) != 0 ? MatrixA : 0u);

    private void Regenerate()
    {
        var s = _state;
        _left = N;
        _next = 0;
        int k = 0;
        for (; k < N - M; k++) s[k] = s[k + M] ^ Twist(s[k], s[k + 1]);
        for (; k < N - 1; k++) s[k] = s[k + M - N] ^ Twist(s[k], s[k + 1]);
        s[N - 1] = s[M - 1] ^ Twist(s[N - 1], s[0]);
    }
}
