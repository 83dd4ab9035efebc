"""Fits the polynomial behind gelu's float span form (GeluKernel.FloatForward in src/InitLab/Activations/GeluActivation.cs).

Q(a) = P(Z > a) = e^(-a^2/2) R(a). The script fits M(a) = sqrt(2 pi) R(a) (the
Mills ratio) as t P(t - 1/2), t = 1 / (1 + a/2), on a in [0, 14.6] (beyond, x Q(a) is below half of float's least
subnormal), by least squares weighted for relative error with Lawson's reweighting towards the minimax fit. It prints
the coefficients from the highest degree down (the kernel's Horner order) and the largest relative error on the fitting
grid and on a shifted grid. The kernel multiplies each coefficient by 1 / sqrt(2 pi) and rounds it to float (the form runs
in float lanes).

Developer tool, not part of the build: /usr/bin/python3 tools/fit_gelu_float.py (needs numpy and mpmath; about a minute).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
DEGREE = 12


def mills(a):
    return float(mp.erfc(mp.mpf(a) / mp.sqrt(2)) / 2 * mp.exp(mp.mpf(a) ** 2 / 2) * mp.sqrt(2 * mp.pi))


def main():
    a = np.linspace(0, 14.6, 12001)
    m = np.array([mills(v) for v in a])
    t = 1 / (1 + 0.5 * a)
    y = m / t
    v = np.vander(t - 0.5, DEGREE + 1, increasing=True)
    w = np.ones_like(y)
    for _ in range(80):
        weights = w / y
        c, *_ = np.linalg.lstsq(v * weights[:, None], y * weights, rcond=None)
        err = (v @ c - y) / y
        w = w * np.abs(err) ** 0.5 + 1e-300
        w /= w.max()
    check = np.linspace(0, 14.6, 3001) + 0.00123
    mc = np.array([mills(x) for x in check])
    tc = 1 / (1 + 0.5 * check)
    err_check = np.abs((np.polyval(c[::-1], tc - 0.5) * tc - mc) / mc).max()
    print(f"degree {DEGREE}: max relative error {np.abs(err).max():.2e} (fit grid), {err_check:.2e} (shifted grid)")
    print(", ".join(repr(float(x)) for x in c[::-1]))


if __name__ == "__main__":
    main()
