#!/usr/bin/python3
"""Steps per second of projected SGD on the lsq toy in plain NumPy.

The same step as toy.Simulate (SCIENCE.md sections 2 and 6.1),
vectorised the natural way: draw a batch, c = A_B u, g = (c A_B - (c.c) u)/b,
angle = atan2(ELR ||P_u g||, 1 - ELR <u,g>), u = (u - ELR g)/||u - ELR g||,
and every 1000 steps a record (full loss and full-gradient norm).
Compare with: go test ./toy -run '^$' -bench SimulateLSQ

Run with Debian's NumPy: /usr/bin/python3 toy/testdata/numpy_bench.py
"""
import sys
import time

import numpy as np


def run(n, d, b, elr, steps, seed=1):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    records = []
    t0 = time.perf_counter()
    for t in range(1, steps + 1):
        idx = rng.integers(0, n, size=b)
        AB = A[idx]
        c = AB @ u
        g = (c @ AB - (c @ c) * u) / b
        ug = u @ g
        angle = np.arctan2(elr * np.sqrt(max(g @ g - ug * ug, 0.0)), 1.0 - elr * ug)
        v = u - elr * g
        u = v / np.linalg.norm(v)
        if t % 1000 == 0:
            cf = A @ u
            gf = (cf @ A - (cf @ cf) * u) / n
            records.append((t, 0.5 * np.mean(cf * cf), np.linalg.norm(gf), angle))
    return steps / (time.perf_counter() - t0)


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    print("numpy", np.__version__)
    for n, d, b, elr in [(8, 24, 1, 2.2), (100, 1000, 10, 1.0)]:
        print(f"lsq n={n} d={d} b={b}: {run(n, d, b, elr, steps):.0f} steps/s")


if __name__ == "__main__":
    main()
