#!/usr/bin/python3
"""The PyTorch and NumPy side of benchmarks/compare.sh: times the same workloads as `initlab bench`.

Usage: /usr/bin/python3 peer.py WORKLOAD [--size N] [--threads T] [--repeat R] [--json] [--peer torch|numpy]
WORKLOAD: normal, uniform, trunc_normal (fill N float32), gemm (N x N float32 product),
orthogonal (torch.nn.init.orthogonal_ on N x N), spectral (torch.linalg.matrix_norm(A, ord=2), N x N),
propagate (a depth-D MLP of width N on a batch of B: fresh kaiming_normal_ weights and relu(x @ W.T) per layer,
with the per-layer mean and std the lab records; --depth D, --batch B),
resnet (forward of the network of `--model resnet:blocks=8,width=64,size=56`: 3x3 stem, 8 post-activation basic blocks
with batch norm in training mode, global average pooling, linear; batch N, default 8),
transformer (forward of `--model transformer:layers=12,dim=512,heads=8,tokens=256,ln=pre`: 12 pre-LN blocks of
nn.MultiheadAttention and a gelu MLP, a final LayerNorm; batch N, default 4),
train_step (one SGD-momentum step of the lab's classifier: 784 inputs, D tanh layers of width N, a linear readout to 10
classes, softmax cross-entropy on a batch of B; weights N(0, 1.5^2 / fan_in), biases N(0, 0.05^2), lr 1e-3).
With --peer numpy (NumPy over the same OpenBLAS): normal and uniform fill float32 from numpy.random.Generator (PCG64;
standard_normal and random with dtype=float32, out=), gemm is numpy.matmul of float32, orthogonal is the Gaussian QR with
the sign fix that orthogonal_ does (numpy.linalg.qr in float32), propagate is the same loop with numpy draws and products;
trunc_normal, spectral and the networks have no NumPy peer.
Prints one JSON document with the keys of `initlab bench --json`. Warm-up once, then R timed runs.
"""
import argparse
import json
import os
import statistics
import sys
import time

DEFAULT_SIZE = {"normal": 100_000_000, "uniform": 100_000_000, "trunc_normal": 100_000_000,
                "gemm": 2048, "orthogonal": 2048, "spectral": 2048, "propagate": 4096, "resnet": 8, "transformer": 4,
                "train_step": 256}


def prepare(workload, n, depth=100, batch=64):
    g = torch.Generator().manual_seed(1)
    if workload in ("normal", "uniform", "trunc_normal"):
        x = torch.empty(n, dtype=torch.float32)
        if workload == "normal":
            return (lambda: x.normal_(generator=g)), n, "elements/s"
        if workload == "uniform":
            return (lambda: x.uniform_(generator=g)), n, "elements/s"
        return (lambda: torch.nn.init.trunc_normal_(x, 0.0, 1.0, -2.0, 2.0)), n, "elements/s"
    if workload == "gemm":
        a = torch.randn(n, n, generator=g)
        b = torch.randn(n, n, generator=g)
        c = torch.empty(n, n)
        return (lambda: torch.mm(a, b, out=c)), 2.0 * n ** 3, "flop/s"
    if workload == "orthogonal":
        q = torch.empty(n, n)
        return (lambda: torch.nn.init.orthogonal_(q)), 1, "matrices/s"
    if workload == "spectral":
        a = torch.randn(n, n, generator=g)
        return (lambda: torch.linalg.matrix_norm(a, ord=2)), 1, "matrices/s"
    if workload == "propagate":
        w = torch.empty(n, n)

        def run():
            x = torch.randn(batch, n, generator=g)
            for _ in range(depth):
                torch.nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g) if KAIMING_TAKES_GENERATOR \
                    else torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
                x = torch.relu(x @ w.T)
                x.mean().item(), x.std().item()
        return run, depth, "layers/s"
    if workload == "resnet":
        nn = torch.nn

        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
                self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

            def forward(self, x):
                return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))

        model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                              *[Block(64) for _ in range(8)], nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)).train()
        x = torch.randn(n, 3, 56, 56, generator=g)

        def run():
            with torch.no_grad():
                model(x)
        return run, n, "images/s"
    if workload == "transformer":
        nn = torch.nn
        d = 512

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.ln1, self.attn, self.ln2 = nn.LayerNorm(d), nn.MultiheadAttention(d, 8, batch_first=True), nn.LayerNorm(d)
                self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

            def forward(self, x):
                h = self.ln1(x)
                x = x + self.attn(h, h, h, need_weights=False)[0]
                return x + self.mlp(self.ln2(x))

        model = nn.Sequential(*[Block() for _ in range(12)], nn.LayerNorm(d)).train()
        x = torch.randn(n, 256, d, generator=g)

        def run():
            with torch.no_grad():
                model(x)
        return run, n, "sequences/s"
    if workload == "train_step":
        # The same network and step as `initlab bench train_step`: a fixed set of 4096 Gaussian examples cycled in
        # batches, forward, cross-entropy, backward, one SGD-momentum update.
        widths = [784] + [n] * depth
        layers = []
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.Tanh()]
        layers.append(torch.nn.Linear(n, 10))
        model = torch.nn.Sequential(*layers)
        with torch.no_grad():
            for m in model:
                if isinstance(m, torch.nn.Linear):
                    m.weight.normal_(0, 1.5 / m.in_features ** 0.5, generator=g)
                    m.bias.normal_(0, 0.05, generator=g)
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
        x = torch.randn(4096, 784, generator=g)
        y = torch.arange(4096) % 10
        step = [0]

        def run():
            start = step[0] * batch % (4096 - batch + 1)
            step[0] += 1
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x[start:start + batch]), y[start:start + batch])
            loss.backward()
            opt.step()
            loss.item()
        return run, 1, "steps/s"
    raise SystemExit(f"error: unknown workload {workload!r}")


NUMPY_WORKLOADS = ("normal", "uniform", "gemm", "orthogonal", "propagate")


def prepare_numpy(workload, n, depth=100, batch=64):
    rng = np.random.default_rng(1)
    if workload in ("normal", "uniform"):
        x = np.empty(n, dtype=np.float32)
        if workload == "normal":
            return (lambda: rng.standard_normal(dtype=np.float32, out=x)), n, "elements/s"
        return (lambda: rng.random(dtype=np.float32, out=x)), n, "elements/s"
    if workload == "gemm":
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        c = np.empty((n, n), dtype=np.float32)
        return (lambda: np.matmul(a, b, out=c)), 2.0 * n ** 3, "flop/s"
    if workload == "orthogonal":
        def run():
            q, r = np.linalg.qr(rng.standard_normal((n, n), dtype=np.float32))
            q *= np.sign(np.diag(r))
            return q
        return run, 1, "matrices/s"
    if workload == "propagate":
        w = np.empty((n, n), dtype=np.float32)
        std = np.float32((2.0 / n) ** 0.5)

        def run():
            x = rng.standard_normal((batch, n), dtype=np.float32)
            for _ in range(depth):
                rng.standard_normal(dtype=np.float32, out=w)
                np.multiply(w, std, out=w)
                x = np.maximum(x @ w.T, 0)
                float(x.mean()), float(x.std())
        return run, depth, "layers/s"
    raise SystemExit(f"error: workload {workload!r} has no NumPy peer")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload", choices=sorted(DEFAULT_SIZE))
    p.add_argument("--size", type=int)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument("--depth", type=int, default=100)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--peer", choices=("torch", "numpy"), default="torch")
    args = p.parse_args()
    n = args.size or DEFAULT_SIZE[args.workload]
    if n < 1 or args.threads < 1 or args.repeat < 1:
        print("error: --size, --threads and --repeat must be >= 1", file=sys.stderr)
        return 2
    # torch.set_num_threads does not reach OpenBLAS's own pthreads (GEMM, QR, SVD): limit them before loading torch.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    global torch, np, KAIMING_TAKES_GENERATOR
    if args.peer == "numpy":
        import numpy as np
        run, work, unit = prepare_numpy(args.workload, n, args.depth, args.batch)
        version = {"numpy": np.__version__}
    else:
        import torch
        import inspect
        KAIMING_TAKES_GENERATOR = "generator" in inspect.signature(torch.nn.init.kaiming_normal_).parameters
        torch.set_num_threads(args.threads)
        run, work, unit = prepare(args.workload, n, args.depth, args.batch)
        version = {"torch": torch.__version__}
    run()
    times, cpu = [], []
    for _ in range(args.repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    result = {"workload": args.workload, "size": n, "threads": args.threads, "repeat": args.repeat,
              "seconds_min": min(times), "seconds_median": statistics.median(times),
              "cpu_seconds_min": min(cpu), "cpu_seconds_median": statistics.median(cpu),
              "throughput": work / min(times), "unit": unit, "peer": args.peer, **version}
    print(json.dumps(result) if args.json else
          f"{args.workload} n={n} threads={args.threads}: min {min(times):.4g} s, median {statistics.median(times):.4g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
