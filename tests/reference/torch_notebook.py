"""The classic notebook cells in PyTorch, each after torch.manual_seed(seed), keyed like `initlab reproduce --json`.

Shared by tests/reference/torch_generator.py (reference values for the tests) and
benchmarks/torch_reproduce_agreement.py (the 200-seed comparison). Needs Debian's python3-torch (/usr/bin/python3).
"""
import math

import torch

N, DEPTH = 512, 100


def loop(a, x, stop_at_nan=False):
    layer = None
    for i in range(DEPTH):
        x = a @ x
        if stop_at_nan and torch.isnan(x.std()):
            layer = i + 1
            break
    return x, layer


def notebook(seed):
    """The PyTorch side of every experiment, keyed like InitLab's JSON (experiment id -> measured key -> value)."""
    out = {}
    torch.manual_seed(seed)
    x, a = torch.randn(N), torch.randn(N, N)
    x, _ = loop(a, x)
    out["explosion"] = {"mean": x.mean().item(), "std": x.std().item()}

    torch.manual_seed(seed)
    x, a = torch.randn(N), torch.randn(N, N)
    _, layer = loop(a, x, stop_at_nan=True)
    out["first-nan"] = {"layer": float("nan") if layer is None else layer}

    torch.manual_seed(seed)
    x, a = torch.randn(N), torch.randn(N, N) * 0.01
    zero = None
    for i in range(DEPTH):
        x = a @ x
        if zero is None and bool((x == 0).all()):
            zero = i + 1
    out["vanishing"] = {"mean": x.mean().item(), "std": x.std().item(), "all_zero_layer": float("nan") if zero is None else zero}

    torch.manual_seed(seed)
    x, a = torch.randn(N), torch.randn(N, N) * math.sqrt(1. / N)
    x, _ = loop(a, x)
    out["xavier"] = {"mean": x.mean().item(), "std": x.std().item()}

    for eid, scale, relu in [("matvec-moments", 1.0, False), ("relu-matvec-moments", 1.0, True), ("kaiming", math.sqrt(2. / N), True)]:
        torch.manual_seed(seed)
        means, squares = [], []
        for _ in range(100):
            x = torch.randn(N)
            a = torch.randn(N, N)
            if scale != 1.0:
                a = a * scale
            y = a @ x
            if relu:
                y = y.clamp(min=0)
            means.append(y.mean().item())
            squares.append(y.pow(2).mean().item())
        out[eid] = {"mean": sum(means) / 100, "mean_square": sum(squares) / 100}

    for eid, relu in [("product-moments", False), ("relu-product-moments", True)]:
        torch.manual_seed(seed)
        s1 = s2 = 0.0
        for _ in range(10000):
            x = torch.randn(1)
            a = torch.randn(1)
            y = a * x
            if relu:
                y = y.clamp(min=0)
            s1 += y.item()
            s2 += y.item() ** 2
        out[eid] = {"mean": s1 / 10000, "mean_square": s2 / 10000}

    torch.manual_seed(seed)
    fan_in, fan_out = N, 4 * N
    acc = {k: 0.0 for k in ["forward_var_lecun", "backward_var_lecun", "forward_var_glorot", "backward_var_glorot"]}
    for _ in range(20):
        w, x, gy = torch.randn(fan_out, fan_in), torch.randn(fan_in), torch.randn(fan_out)
        for name, var in [("lecun", 1.0 / fan_in), ("glorot", 2.0 / (fan_in + fan_out))]:
            ws = w * float(torch.tensor(math.sqrt(var), dtype=torch.float32))
            acc["forward_var_" + name] += (ws @ x).pow(2).mean().item() / 20
            acc["backward_var_" + name] += (ws.T @ gy).pow(2).mean().item() / 20
    out["fan-avg"] = acc

    torch.manual_seed(seed)
    x0 = torch.randn(N)
    a = torch.randn(N, N) * math.sqrt(1. / N)
    ratio = lambda m: math.sqrt(loop(m, x0)[0].double().pow(2).mean().item() / x0.double().pow(2).mean().item())
    xavier = ratio(a)
    q = torch.nn.init.orthogonal_(torch.empty(N, N))
    orthogonal = ratio(q)
    s = torch.randn(N, N)
    s = s / torch.linalg.matrix_norm(s.double(), 2).float()
    out["strategies"] = {"xavier_log10_norm_ratio": math.log10(xavier), "orthogonal_norm_ratio": orthogonal,
                         "spectral_log10_norm_ratio": math.log10(ratio(s))}
    return out
