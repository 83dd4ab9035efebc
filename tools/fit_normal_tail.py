"""Fits the polynomial behind InitLab's normal tail Q(z) = P(Z > z) (src/InitLab/Numerics/LaneMath.cs).

Q(z) = phi(z) M(z) with M the Mills ratio. With t = K / (K + z), h(t) = M(z) / t is smooth on t in [K / (K + 40), 1]
(z in [0, 40]; Q underflows double beyond z = 38.5), so a Chebyshev interpolant of modest degree reaches double
precision. The script prints the monomial coefficients in s = (2 t - (A + B)) / (B - A) in [-1, 1] (their absolute sum
is about 1.25, so Horner's rule in s is well conditioned) and the interpolant's largest relative error on a fine grid.

Developer tool, not part of the build: /usr/bin/python3 tools/fit_normal_tail.py (needs mpmath).
"""
import mpmath as mp

mp.mp.dps = 50
K = mp.mpf(5)
A, B = K / (K + 40), mp.mpf(1)
DEGREE = 24


def mills(z):
    return mp.sqrt(mp.pi / 2) * mp.erfc(z / mp.sqrt(2)) * mp.exp(z * z / 2)


def h(t):
    return mills(K / t - K) / t


def chebyshev_coefficients(f, n):
    nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    values = [f(((B - A) * x + (A + B)) / 2) for x in nodes]
    c = [2 * mp.fsum(values[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / n) for k in range(n)) / n for j in range(n)]
    c[0] /= 2
    return c


def to_monomial(c):
    poly = [mp.mpf(0)] * len(c)
    for j, cj in enumerate(c):
        for k, tk in enumerate(mp.taylor(lambda s: mp.chebyt(j, s), 0, j)):
            poly[k] += cj * tk
    return poly


coefficients = to_monomial(chebyshev_coefficients(h, DEGREE + 1))
rounded = [mp.mpf(float(p)) for p in coefficients]
worst = mp.mpf(0)
for i in range(2001):
    s = mp.mpf(-1) + 2 * mp.mpf(i) / 2000
    t = ((B - A) * s + (A + B)) / 2
    value = mp.fsum(p * s ** k for k, p in enumerate(rounded))
    worst = max(worst, abs(value / h(t) - 1))
print(f"// K = {K}, t in [{mp.nstr(A, 17)}, 1], degree {DEGREE}; max relative error of the interpolant {mp.nstr(worst, 3)}")
print(f"// s = t * {mp.nstr(2 / (B - A), 17)} + {mp.nstr(-(A + B) / (B - A), 17)}")
for k in range(DEGREE, -1, -1):
    print(f"{float(coefficients[k])!r},")
