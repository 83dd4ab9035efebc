#!/usr/bin/python3
"""Reference vectors for InitLab's PyTorch generator (TorchGenerator, TorchInit), from PyTorch itself.

Run with Debian's python3-torch 1.13 (python3 on PATH may lack torch):

    /usr/bin/python3 tests/reference/torch_generator.py > tests/reference/torch_generator.json

The tests read the JSON and never need Python. Besides the generator cases, "notebook" holds the classic notebook's
results for seeds 0..4 and "propagate" small MLPs run as ExplicitEngine's PyTorch script; those go through PyTorch's
BLAS, so the tests compare them to a stated tolerance. Every case seeds one generator and runs its steps in order on it
(state carried from step to step, as in a script). A step records its output as the first 12 hex digits of the
SHA-256 of its little-endian bytes ("h") and the hex bits of its first element ("first"); consecutive fills of 1-D
tensors by one op are stored as one step with lists "sizes" and "h"; orthogonal steps also keep the Gaussian's hash
("gauss") and the whole result (base64 of the raw bytes, "values") for a tolerance comparison. Each case runs in a child process with
ATEN_CPU_CAPABILITY set to its capability ("avx2" or "default"), so both kernel sets are covered on one machine.
"""
import base64
import hashlib
import json
import math
import os
import platform
import subprocess
import sys

FILL_SIZES = list(range(1, 41)) + [63, 64, 65, 1000, 4099]
SHAPES = [[3, 5], [16, 1], [8, 4, 3, 3], [64, 32]]


def cases():
    out = []
    # Plain fills, sizes 1..40 and a few more, one stream per (seed, op, dtype): every size's path, with the cached
    # normal and the generator state carried from size to size.
    for cap in ["avx2", "default"]:
        seeds = [0, 2024] if cap == "avx2" else [7]
        for seed in seeds:
            for dtype in ["float32", "float64"]:
                for op, args in [("rand", []), ("randn", []), ("normal", [0.3, 2.7]), ("uniform", [-1.3, 2.9])]:
                    out.append({"cap": cap, "seed": seed,
                                "steps": [{"op": op, "dtype": dtype, "shape": [n], "args": args} for n in FILL_SIZES]})
    # Large tensors and 64-bit seeds.
    for cap in ["avx2", "default"]:
        out.append({"cap": cap, "seed": 123456789, "steps": [
            {"op": "randn", "dtype": "float32", "shape": [1000003], "args": []},
            {"op": "randn", "dtype": "float64", "shape": [100003], "args": []},
            {"op": "normal", "dtype": "float32", "shape": [65537], "args": [-0.7, 0.37]},
            {"op": "rand", "dtype": "float64", "shape": [100000], "args": []},
            {"op": "trunc_normal_", "dtype": "float32", "shape": [100000], "args": [0.0, 1.0, -2.0, 2.0]},
            {"op": "trunc_normal_", "dtype": "float64", "shape": [100000], "args": [0.0, 1.0, -2.0, 2.0]},
        ]})
    for seed in [2**32 + 5, 2**64 - 3, 67280421310721]:
        out.append({"cap": "avx2", "seed": seed, "steps": [{"op": "randn", "dtype": "float32", "shape": [33], "args": []},
                                                           {"op": "randperm", "shape": [50], "args": []}]})
    # Every init function from a fresh seed: torch.manual_seed(s); torch.nn.init.X_(torch.empty(shape)).
    inits = [
        ("uniform_", [-0.5, 0.25]), ("normal_", [0.1, 0.02]),
        ("trunc_normal_", [0.0, 1.0, -2.0, 2.0]), ("trunc_normal_", [0.5, 0.3, -0.2, 1.1]), ("trunc_normal_", [0.0, 0.002, -2.0, 2.0]),
        ("xavier_uniform_", [1.0]), ("xavier_uniform_", [0.5]), ("xavier_normal_", [1.0]), ("xavier_normal_", [5.0 / 3]),
        ("kaiming_uniform_", [0, "fan_in", "leaky_relu"]), ("kaiming_uniform_", [math.sqrt(5), "fan_in", "leaky_relu"]),
        ("kaiming_uniform_", [0.1, "fan_out", "leaky_relu"]), ("kaiming_uniform_", [0, "fan_in", "relu"]),
        ("kaiming_uniform_", [0, "fan_in", "tanh"]), ("kaiming_uniform_", [0, "fan_in", "selu"]),
        ("kaiming_normal_", [0, "fan_in", "leaky_relu"]), ("kaiming_normal_", [0, "fan_out", "relu"]),
        ("kaiming_normal_", [0, "fan_in", "linear"]), ("kaiming_normal_", [0.2, "fan_in", "leaky_relu"]),
    ]
    for cap in ["avx2", "default"]:
        for seed in ([0, 7] if cap == "avx2" else [3]):
            for dtype in ["float32", "float64"]:
                for shape in SHAPES:
                    for name, args in inits:
                        out.append({"cap": cap, "seed": seed, "steps": [{"op": name, "dtype": dtype, "shape": shape, "args": args}]})
                for shape, args in [([10, 6], [0.1, 0.01]), ([7, 5], [0.5, 0.2]), ([40, 3], [0.0, 0.01]), ([4, 4], [1.0, 0.01])]:
                    out.append({"cap": cap, "seed": seed, "steps": [{"op": "sparse_", "dtype": dtype, "shape": shape, "args": args}]})
                for module, args in [("linear", [5, 3, True]), ("linear", [64, 32, True]), ("linear", [20, 10, False]),
                                     ("conv2d", [3, 8, 3, True]), ("conv1d", [4, 2, 5, True])]:
                    out.append({"cap": cap, "seed": seed, "steps": [{"op": module, "dtype": dtype, "shape": [], "args": args}]})
    # Orthogonal: the Gaussian bit for bit (the same draws as normal_ on the flattened tensor), Q to float tolerance.
    for dtype in ["float32", "float64"]:
        for shape, gain in [([3, 5], 1.0), ([5, 3], 1.0), ([6, 6], 1.0), ([4, 2, 3], 1.0), ([20, 12], 1.0), ([12, 20], 2.0), ([32, 32], 1.0)]:
            out.append({"cap": "avx2", "seed": 11, "steps": [{"op": "orthogonal_", "dtype": dtype, "shape": shape, "args": [gain]}]})
    # One long stream: state (and the cached normal) carried across ops, dtypes and init functions.
    seq = [
        {"op": "randn", "dtype": "float32", "shape": [5], "args": []},
        {"op": "rand", "dtype": "float64", "shape": [3], "args": []},
        {"op": "randn", "dtype": "float32", "shape": [20], "args": []},
        {"op": "randn", "dtype": "float64", "shape": [1], "args": []},
        {"op": "uniform", "dtype": "float32", "shape": [7], "args": [-2.0, 2.0]},
        {"op": "trunc_normal_", "dtype": "float32", "shape": [33], "args": [0.0, 1.0, -2.0, 2.0]},
        {"op": "kaiming_uniform_", "dtype": "float32", "shape": [4, 3], "args": [0, "fan_in", "leaky_relu"]},
        {"op": "randperm", "shape": [10], "args": []},
        {"op": "sparse_", "dtype": "float32", "shape": [6, 4], "args": [0.5, 0.01]},
        {"op": "randn", "dtype": "float64", "shape": [3], "args": []},
        {"op": "xavier_normal_", "dtype": "float64", "shape": [17, 1], "args": [1.0]},
        {"op": "normal", "dtype": "float32", "shape": [15], "args": [1.0, 0.5]},
        {"op": "linear", "dtype": "float32", "shape": [], "args": [8, 4, True]},
        {"op": "randn", "dtype": "float32", "shape": [2], "args": []},
        {"op": "rand", "dtype": "float32", "shape": [4], "args": []},
    ]
    for cap in ["avx2", "default"]:
        for seed in [5, 99]:
            out.append({"cap": cap, "seed": seed, "steps": seq})
    return out


def run_step(torch, step):
    op, args = step["op"], step["args"]
    dtype = getattr(torch, step.get("dtype", "float32"))
    shape = step["shape"]
    init = torch.nn.init
    if op == "rand":
        return torch.rand(shape, dtype=dtype)
    if op == "randn":
        return torch.randn(shape, dtype=dtype)
    if op == "normal":
        return torch.empty(shape, dtype=dtype).normal_(*args)
    if op == "uniform":
        return torch.empty(shape, dtype=dtype).uniform_(*args)
    if op == "randperm":
        return torch.randperm(shape[0])
    if op in ("linear", "conv2d", "conv1d"):
        if op == "linear":
            m = torch.nn.Linear(args[0], args[1], bias=args[2], dtype=dtype)
        else:
            conv = torch.nn.Conv2d if op == "conv2d" else torch.nn.Conv1d
            m = conv(args[0], args[1], args[2], bias=args[3], dtype=dtype)
        parts = [m.weight.detach().reshape(-1)] + ([m.bias.detach()] if m.bias is not None else [])
        return torch.cat(parts)
    t = torch.empty(shape, dtype=dtype)
    if op == "kaiming_uniform_" or op == "kaiming_normal_":
        getattr(init, op)(t, a=args[0], mode=args[1], nonlinearity=args[2])
    elif op == "sparse_":
        init.sparse_(t, sparsity=args[0], std=args[1])
    else:
        getattr(init, op)(t, *args)
    return t


def notebook(seed):
    """Reference values of the classic notebook cells (torch_notebook.py) for the tests."""
    from torch_notebook import notebook as cells
    out = cells(seed)
    layer = out["first-nan"]["layer"]
    return {"seed": seed, "first_nan_layer": None if math.isnan(layer) else layer, "xavier_std": out["xavier"]["std"],
            "product_mean": out["product-moments"]["mean"], "product_mean_square": out["product-moments"]["mean_square"],
            "relu_product_mean": out["relu-product-moments"]["mean"],
            "relu_product_mean_square": out["relu-product-moments"]["mean_square"]}


def propagate(torch, config):
    """The PyTorch script of ExplicitEngine.Run with the torch generator; per-layer post-activation mean and std,
    and with backward the norm of dL/dx_l."""
    torch.manual_seed(config["seed"])
    widths, shared = config["widths"], config["shared"]
    act = {"tanh": torch.tanh, "relu": torch.relu, "identity": lambda t: t}[config["act"]]
    params = []
    for l in range(1, (1 if shared else len(widths) - 1) + 1):
        w = torch.empty(widths[l], widths[l - 1])
        if config["init"] == "sigma_w":
            w.normal_(0, config["sigma_w"] / math.sqrt(widths[l - 1]))
        else:
            getattr(torch.nn.init, config["init"] + "_")(w)
        b = torch.empty(widths[l]).normal_(0, config["sigma_b"]) if config["sigma_b"] > 0 else None
        params.append((w, b))
    x = torch.empty(config["batch"], widths[0]).normal_(0, math.sqrt(config["input_variance"]))
    top = torch.randn(config["batch"], widths[-1]) if config["backward"] else None
    xs = [x.requires_grad_(True)]
    means, stds = [], []
    for l in range(1, len(widths)):
        w, b = params[0 if shared else l - 1]
        h = xs[-1] @ w.T + (b if b is not None else 0)
        y = act(h)
        y.retain_grad()
        xs.append(y)
        means.append(y.mean().item())
        stds.append(y.std().item())
    out = dict(config, mean=means, std=stds)
    if top is not None:
        (xs[-1] * top).sum().backward()
        out["grad_norm"] = [xs[l].grad.norm().item() for l in range(1, len(widths))]
        out["input_grad_norm"] = xs[0].grad.norm().item()
    return out


PROPAGATE = [
    {"seed": 3, "widths": [16, 16, 16, 16], "act": "tanh", "init": "xavier_normal", "sigma_w": 0, "sigma_b": 0.05,
     "batch": 4, "input_variance": 1.0, "shared": False, "backward": True},
    {"seed": 8, "widths": [32, 24, 40, 8], "act": "relu", "init": "kaiming_uniform", "sigma_w": 0, "sigma_b": 0.0,
     "batch": 5, "input_variance": 2.0, "shared": False, "backward": False},
    {"seed": 1, "widths": [32] * 6, "act": "relu", "init": "sigma_w", "sigma_w": 1.4, "sigma_b": 0.1,
     "batch": 2, "input_variance": 1.0, "shared": True, "backward": True},
    {"seed": 4, "widths": [20, 30, 20], "act": "identity", "init": "orthogonal", "sigma_w": 0, "sigma_b": 0.0,
     "batch": 3, "input_variance": 1.0, "shared": False, "backward": False},
]


SUMS = [(0, 512, 1.0), (1, 512, 1e37), (2, 512, 3e36), (3, 100, 1.0), (4, 1000, 1.0), (5, 37, 1.0), (6, 4099, 1.0),
        (7, 8, 1.0), (8, 65536, 1.0), (9, 200003, 1.0)]


def float_sum(torch, seed, n, scale):
    """x.sum() of x = torch.randn(n) * scale in float32 (the cascade sum behind x.mean() and x.std())."""
    torch.manual_seed(seed)
    x = torch.randn(n) * scale
    return {"seed": seed, "n": n, "scale": scale, "sum": digest(x.sum())[1]}


def digest(t):
    raw = t.contiguous().numpy().tobytes()
    return hashlib.sha256(raw).hexdigest()[:12], raw[:t.element_size()][::-1].hex()


def compact(steps):
    """Runs of one op on 1-D tensors that differ only in size become one "sweep" step: sizes and hashes in lists."""
    out = []
    for s in steps:
        key = {k: v for k, v in s.items() if k not in ("shape", "h", "first")}
        prev = out[-1] if out else None
        if len(s.get("shape", [])) == 1 and s["op"] != "randperm" and prev is not None and "sizes" in prev \
                and {k: v for k, v in prev.items() if k not in ("sizes", "h")} == key:
            prev["sizes"].append(s["shape"][0])
            prev["h"].append(s["h"])
        elif len(s.get("shape", [])) == 1 and s["op"] != "randperm" and s["op"] in ("rand", "randn", "normal", "uniform"):
            out.append(dict(key, sizes=[s["shape"][0]], h=[s["h"]]))
        else:
            out.append(s)
    return out


def child(indices):
    import warnings
    warnings.simplefilter("ignore")
    import torch
    all_cases = cases()
    results = []
    for i in indices:
        case = all_cases[i]
        torch.manual_seed(case["seed"])
        steps = []
        for step in case["steps"]:
            if step["op"] == "orthogonal_":
                state = torch.get_rng_state()
                gauss = torch.empty(step["shape"], dtype=getattr(torch, step["dtype"])).normal_(0, 1)
                torch.set_rng_state(state)
            t = run_step(torch, step)
            h, first = digest(t)
            record = {k: v for k, v in step.items() if v != []}
            record.update(h=h, first=first)
            if step["op"] == "orthogonal_":
                record["gauss"] = digest(gauss)[0]
                record["values"] = base64.b64encode(t.contiguous().numpy().tobytes()).decode()
            steps.append(record)
        results.append({"cap": case["cap"], "seed": case["seed"], "steps": compact(steps)})
    json.dump(results, sys.stdout)


def main():
    all_cases = cases()
    by_cap = {}
    for i, c in enumerate(all_cases):
        by_cap.setdefault(c["cap"], []).append(i)
    results = {}
    for cap, indices in by_cap.items():
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
        text = subprocess.run([sys.executable, __file__, "--child", ",".join(map(str, indices))],
                              env=env, check=True, capture_output=True, text=True).stdout
        for i, r in zip(indices, json.loads(text)):
            results[i] = r
    import torch
    meta = {
        "torch": torch.__version__,
        "capability_default": torch.__config__.show().split("CPU capability usage:")[1].split()[0],
        "libc": " ".join(platform.libc_ver()),
        "python": platform.python_version(),
        "script": "tests/reference/torch_generator.py",
    }
    torch.set_num_threads(1)
    doc = {"meta": meta, "cases": [results[i] for i in range(len(all_cases))],
           "notebook": [notebook(seed) for seed in range(5)],
           "propagate": [propagate(torch, c) for c in PROPAGATE],
           "sums": [float_sum(torch, seed, n, scale) for seed, n, scale in SUMS]}
    json.dump(doc, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child([int(x) for x in sys.argv[2].split(",")])
    else:
        main()
