"""Where a smoke notebook's time goes: seconds per cell, per backend, with and without jax's
persistent compilation cache.

    python benchmarks/notebook_cells.py notebooks/02_finetune_pretrained_backbone.ipynb \\
        --backends jax tensorflow torch --jax-cache off cold warm

Runs the notebook as committed (smoke profile) in a fresh kernel per run, with nbclient, and prints
one JSON line per run: the wall time, the kernel's start, the five slowest cells (index, seconds,
first line) and a calibration line. On jax, `--jax-cache` runs it with the compilation cache turned
off (JAX_ENABLE_COMPILATION_CACHE=false), then with an empty cache folder (`cold`: compiles and
writes) and again with that folder (`warm`: what a second kernel, or a second run, finds).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import calibrate  # benchmarks/ is on sys.path when this file runs
import nbformat
from nbclient import NotebookClient


def run(notebook: Path, backend: str, env: dict[str, str]) -> dict:
    nb = nbformat.read(notebook, as_version=4)
    saved = dict(os.environ)
    os.environ.update({"KERAS_BACKEND": backend, "COURSE_PROFILE": "smoke", **env})
    try:
        figures = {"calibration": calibrate.calibration()}
        client = NotebookClient(nb, timeout=None, kernel_name="python3", record_timing=True)
        client.resources = {"metadata": {"path": str(notebook.parent)}}
        started = time.perf_counter()
        with client.setup_kernel():
            kernel_started = time.perf_counter() - started
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        wall = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    cells = []
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "shell.execute_reply" in timing:
            begin, end = (
                _stamp(timing.get("iopub.execute_input") or timing["shell.execute_reply.started"]),
                _stamp(timing["shell.execute_reply"]),
            )
            cells.append({"cell": index, "seconds": round(end - begin, 2), "first_line": cell.source.split("\n")[0]})
    slowest = sorted(cells, key=lambda c: -c["seconds"])[:5]
    return {
        **figures,
        "wall_seconds": round(wall, 1),
        "kernel_start_seconds": round(kernel_started, 1),
        "cells_seconds": round(sum(c["seconds"] for c in cells), 1),
        "slowest": slowest,
        "load_after": os.getloadavg()[0],
    }


def _stamp(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def markdown(rows: list[dict]) -> str:
    """The BENCHMARKS.md section from this script's JSON lines."""
    lines = [
        f"## Where a smoke notebook's time goes ({rows[0]['notebook']})",
        "",
        "`python benchmarks/notebook_cells.py NOTEBOOK --backends jax tensorflow torch`: the notebook as "
        "committed, smoke, a fresh kernel per run; on jax with the persistent compilation cache off, empty "
        "(`cold`) and filled by the run before (`warm`). Slowest cells by index.",
        "",
        "| backend | jax cache | wall s | kernel start s | slowest cells (s) | calibration | load after |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['backend']} | {r['jax_cache']} | {r['wall_seconds']:.0f} | {r['kernel_start_seconds']:.0f} | "
        + ", ".join(f"{c['cell']}: {c['seconds']:.0f}" for c in r["slowest"][:3])
        + f" | {calibrate.line(r['calibration']).removeprefix('calibration: ')} | {r['load_after']:.1f} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--backends", nargs="+", default=["jax"])
    parser.add_argument("--jax-cache", nargs="+", default=["off", "cold", "warm"], choices=["off", "cold", "warm"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nb-cells-") as scratch:
        for backend in args.backends:
            for cache in args.jax_cache if backend == "jax" else ["n/a"]:
                env = {"COURSE_RESULTS_DIR": str(Path(scratch) / "results")}
                if cache == "off":
                    env["JAX_ENABLE_COMPILATION_CACHE"] = "false"
                elif cache in ("cold", "warm"):
                    env["JAX_COMPILATION_CACHE_DIR"] = str(Path(scratch) / "jax-cache")
                row = {"notebook": args.notebook.name, "backend": backend, "jax_cache": cache}
                print(json.dumps({**row, **run(args.notebook.resolve(), backend, env)}), flush=True)


if __name__ == "__main__":
    main()
