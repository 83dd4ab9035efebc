"""Prints the reference rows of StandardTruncatedNormalTests: for Z ~ N(0, 1) restricted to [a, b], the mean, std,
kurtosis E[(Z - m)^4] / var^2 and ln P(a < Z < b), and the CDF at the doubles nearest mean - std, mean and
mean + std (inside the interval), by mpmath quadrature at 60 digits of the scaled density
exp(-(z^2 - c^2) / 2), c the point of [a, b] nearest 0, with the central moments integrated about the mean (no
cancellation). Independent of InitLab's closed forms.

Developer tool, not run by the tests: /usr/bin/python3 make_truncated_normal_reference.py (needs mpmath).
"""
import mpmath as mp

mp.mp.dps = 60
inf = mp.inf
INTERVALS = [(-2, 2), (0, inf), (-inf, inf), (8, 9), (9, 10), (10, 11), (-inf, -30), (40, inf), (-1e-3, 2e-3),
             (5, 5.001), (30, 30.00001), (-3, -2.5), (1, inf), (-inf, -1), (0.5, 0.6), (1000, 1001), (-8, 100), (37, 38),
             (2, 3), (-0.1, 5), (-inf, 0.3), (1e6, inf)]


def literal(v):
    if v == inf:
        return "double.PositiveInfinity"
    if v == -inf:
        return "double.NegativeInfinity"
    return repr(v)


for a, b in INTERVALS:
    lo, hi = mp.mpf(a), mp.mpf(b)
    c = mp.mpf(0) if lo <= 0 <= hi else (lo if lo > 0 else hi)
    points = [lo, 0, hi] if c == 0 and lo < 0 < hi else [lo, hi]
    density = lambda z: mp.exp(-(z * z - c * c) / 2)
    mass = mp.quad(density, points)
    mean = mp.quad(lambda z: z * density(z), points) / mass
    var = mp.quad(lambda z: (z - mean) ** 2 * density(z), points) / mass
    mu4 = mp.quad(lambda z: (z - mean) ** 4 * density(z), points) / mass
    log_mass = mp.log(mass) - c * c / 2 - mp.log(2 * mp.pi) / 2
    std = mp.sqrt(var)
    cells = [literal(a), literal(b), mp.nstr(mean, 20), mp.nstr(std, 20), mp.nstr(mu4 / var ** 2, 20), mp.nstr(log_mass, 20)]
    for x in (mean - std, mean, mean + std):
        x = mp.mpf(float(x))
        if not lo < x < hi:
            x = mp.mpf(float(mean))
        cdf = mp.quad(density, [lo, x]) / mass
        cells += [repr(float(x)), mp.nstr(cdf, 20)]
    print("[InlineData(" + ", ".join(cells) + ")]")
