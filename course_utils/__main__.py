"""Command line.

`python -m course_utils prepare` builds the offline corpus and presets;
`python -m course_utils run` executes a grid of notebooks and writes a report;
`python -m course_utils devices` prints which devices each backend sees.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import BACKENDS, DEFAULTS, MODEL_SIZES, PROFILES, CourseConfigError, pick_default, resolve_params


def prepare(sizes: list[str], seed: int) -> None:
    """Build (or reuse) the synthetic corpus and the smoke presets, then print where they are."""
    from .cache import default_cache_dir, ensure_writable
    from .data import synthetic_imdb
    from .presets import smoke_backbone, smoke_classifier
    from .runtime import activate_backend

    activate_backend(resolve_params(level=2, model_size="tiny").backend)  # validates KERAS_BACKEND
    cache_dir = ensure_writable(default_cache_dir())
    print(f"cache:              {cache_dir}")
    print(f"synthetic corpus:   {synthetic_imdb(cache_dir, seed)}")
    for size in sizes:
        print(f"backbone ({size:>6}):  {smoke_backbone(cache_dir, size)}")
    print(f"sst2 classifier:    {smoke_classifier(cache_dir)}")
    print("Offline data and presets are ready: the smoke profile needs no network.")


def print_devices() -> int:
    """One line per backend with the devices it sees; non-zero when a backend cannot start."""
    from .devices import nvidia_gpus, probe, report

    found = probe()
    print("\n".join(report(found, nvidia_gpus())))
    return 1 if any(isinstance(devices, str) for devices in found.values()) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare", help="build the offline corpus and smoke presets")
    prep.add_argument("--sizes", nargs="+", default=["tiny"], choices=MODEL_SIZES)
    prep.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    commands.add_parser("devices", help="print which devices jax, tensorflow and torch see")
    run = commands.add_parser("run", help="run notebooks x backends x sizes with papermill and report")
    run.add_argument("--profile", default=pick_default("profile", None), choices=PROFILES)
    run.add_argument("--backends", nargs="+", default=[pick_default("backend", None)], choices=BACKENDS)
    run.add_argument("--sizes", nargs="+", default=["tiny"], choices=MODEL_SIZES)
    run.add_argument("--workers", type=int, default=2, help="notebooks run at once (default 2)")
    run.add_argument("--timeout", type=float, default=1800, help="seconds allowed per notebook")
    run.add_argument("--notebooks", nargs="+", type=Path, default=None, help="default: all six")
    run.add_argument("--out", type=Path, default=None, help="default: runs/<timestamp>")
    args = parser.parse_args(argv)
    try:
        if args.command == "devices":
            return print_devices()
        if args.command == "prepare":
            prepare(args.sizes, args.seed)
            return 0
        return run_report(args)
    except CourseConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def run_report(args) -> int:
    """Execute the grid; print where the report is; non-zero exit when any run failed."""
    from .runner import NOTEBOOK_DIR, run_grid

    if args.workers < 1:
        raise CourseConfigError(f"--workers={args.workers} is out of range; give an integer >= 1")
    notebooks = args.notebooks or sorted(NOTEBOOK_DIR.glob("0[1-6]_*.ipynb"))
    root, runs = run_grid(notebooks, args.backends, args.sizes, args.profile, args.workers,
                          args.timeout, args.out)
    for run in runs:
        if run.status != "ok":
            print(f"FAILED {run.name}: {run.status} {run.error}", file=sys.stderr)
    failed = sum(run.status != "ok" for run in runs)
    print(f"{len(runs) - failed} of {len(runs)} runs ok. Report: {root / 'summary.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
