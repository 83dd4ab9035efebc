"""Writes activation_reference.csv: every smooth activation and its derivative at float32 inputs, from mpmath at
60 significant digits, rounded once to double (subnormals included). The inputs span 0, float32 subnormals,
1e-38 .. 1e-3.5 every half decade, 120 log-spaced points on [1e-3, 40], and large arguments up to float32's max,
with both signs. The formulas below are written for mpmath independently of InitLab's kernels; each is free of
cancellation at 60 digits over this range (e.g. sigmoid'(x) = e^-|x| / (1 + e^-|x|)^2, not s (1 - s)).

Developer tool, not run by the tests: /usr/bin/python3 make_activation_reference.py (needs mpmath and numpy).
With --random N OUT it writes N seeded random inputs instead (log-uniform magnitudes in [1e-40, 1e3] and uniform
points in [-12, 12], both signs), for a denser check of the stated ulp bounds than the committed table.
"""
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 60
LAMBDA = mp.mpf("1.0507009873554804934193349852946")
ALPHA = mp.mpf("1.6732632423543772848170429916717")


def sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def sigmoid_prime(x):
    t = mp.exp(-abs(x))
    return t / (1 + t) ** 2


def cdf(x):
    return mp.erfc(-x / mp.sqrt(2)) / 2


def pdf(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def softplus(x):
    return mp.log1p(mp.exp(x))


def elu(alpha, scale=1):
    return (lambda x: scale * x if x > 0 else scale * alpha * mp.expm1(x),
            lambda x: scale if x > 0 else scale * alpha * mp.exp(x))


FUNCTIONS = {
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2),
    "sigmoid": (sigmoid, sigmoid_prime),
    "erf": (mp.erf, lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    "gelu": (lambda x: x * cdf(x), lambda x: cdf(x) + x * pdf(x)),
    "silu": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) * (1 + x * sigmoid(-x))),
    "selu": elu(ALPHA, LAMBDA),
    "elu": elu(mp.mpf(1)),
    "elu(0.5)": elu(mp.mpf("0.5")),
    "softplus": (softplus, sigmoid),
    "mish": (lambda x: x * mp.tanh(softplus(x)),
             lambda x: mp.tanh(softplus(x)) + x * mp.sech(softplus(x)) ** 2 * sigmoid(x)),
}


def to_double(v):
    if v == 0:
        return 0.0
    if abs(v) < mp.mpf(2) ** -1022:  # subnormal: round to a multiple of 2^-1074 once
        return float(mp.nint(v * mp.mpf(2) ** 1074)) * 2.0 ** -1074
    return float(v)


def table_inputs():
    magnitudes = [2.0 ** -149, 2.0 ** -140, 1e-40, 2.0 ** -126, 1e-38]
    magnitudes += [10.0 ** (k / 2) for k in range(-75, -6)]
    magnitudes += list(np.geomspace(1e-3, 40, 120))
    magnitudes += [41, 50, 60, 88, 89, 100, 300, 700, 745, 750, 1000, 1e5, 1e10, 1e20, 1e30, 3.4028234663852886e38]
    floats = sorted({np.float32(m) for m in magnitudes})
    return [-f for f in reversed(floats)] + [np.float32(0)] + floats


def random_inputs(n):
    rng = np.random.default_rng(20240917)
    magnitudes = 10.0 ** rng.uniform(-40, 3, n // 2)
    signs = rng.choice([-1.0, 1.0], n // 2)
    return [np.float32(v) for v in np.concatenate([signs * magnitudes, rng.uniform(-12, 12, n - n // 2)])]


if len(sys.argv) == 4 and sys.argv[1] == "--random":
    inputs, path = random_inputs(int(sys.argv[2])), sys.argv[3]
else:
    inputs, path = table_inputs(), "activation_reference.csv"

with open(path, "w") as out:
    out.write("x," + ",".join(f"{n},{n}'" for n in FUNCTIONS) + "\n")
    for x32 in inputs:
        x = mp.mpf(float(x32))
        cells = [repr(float(x32)) if x32 != 0 else "0"]
        for forward, derivative in FUNCTIONS.values():
            cells += [repr(to_double(forward(x))), repr(to_double(derivative(x)))]
        out.write(",".join(cells) + "\n")
print(len(inputs), "inputs")
