"""A calibration line for any timing: how fast this machine is right now, in three quick figures.

    python benchmarks/calibrate.py      # prints one JSON line

numpy's 512x512 float32 matmul (GFLOP/s, best of five), a 3-million-step Python loop (seconds) and a
random walk through 64 MiB (ns per read; small compiled programs and compilers wait on memory, which
the other two hardly touch), with the 1-minute load average. A slow machine of the developers' kind gave
65 GFLOP/s and 0.53 s, idle. About half a second in all.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np


def matmul_gflops(size: int = 512, repeats: int = 20) -> float:
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    a @ a
    best = min(_seconds(lambda: [a @ a for _ in range(repeats)]) for _ in range(5)) / repeats
    return 2 * size**3 / best / 1e9


def python_loop_seconds(steps: int = 3_000_000) -> float:
    def loop():
        total = 0
        for i in range(steps):
            total += i

    return _seconds(loop)


def memory_ns_per_read(mebibytes: int = 64, reads: int = 2_000_000) -> float:
    """Dependent reads through a random cycle of int64 indices (each read waits for the one before)."""
    size = mebibytes * 2**20 // 8
    order = np.random.default_rng(0).permutation(size)
    nxt = np.empty(size, dtype=np.int64)
    nxt[order] = np.roll(order, -1)
    chunk = 4096
    position = np.arange(chunk, dtype=np.int64) * (size // chunk)  # 4,096 walkers, numpy-vectorised

    def walk():
        p = position
        for _ in range(reads // chunk):
            p = nxt[p]

    return _seconds(walk) / (reads // chunk * chunk) * 1e9


def _seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def calibration() -> dict:
    return {
        "matmul_gflops": round(matmul_gflops(), 1),
        "python_loop_s": round(python_loop_seconds(), 3),
        "memory_ns_per_read": round(memory_ns_per_read(), 2),
        "load_1min": os.getloadavg()[0],
        "cores": os.cpu_count(),
    }


def line(figures: dict | None = None) -> str:
    """One line for a report: `calibration: matmul 51 GFLOP/s, loop 0.31 s, memory 9.1 ns/read, load 2.4`."""
    c = figures or calibration()
    return (
        f"calibration: matmul {c['matmul_gflops']:.0f} GFLOP/s, 3M-step loop {c['python_loop_s']:.2f} s, "
        f"memory {c['memory_ns_per_read']:.1f} ns/read, load {c['load_1min']:.1f} ({c['cores']} cores)"
    )


if __name__ == "__main__":
    print(json.dumps(calibration()))
