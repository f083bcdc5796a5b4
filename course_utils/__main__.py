"""Command line.

`python -m course_utils prepare` builds the offline corpus and presets;
`python -m course_utils run` executes a grid of notebooks and writes a report;
`python -m course_utils devices` prints which devices each backend sees.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from .config import BACKENDS, DEFAULTS, MODEL_SIZES, PROFILES, CourseConfigError, pick_default, resolve_params
from .runner import DEFAULT_TIMEOUT, DEFAULT_WORKERS

# The run parameters the grid sets per run, and the option that gives their values.
GRID_OPTIONS = {"backend": "--backends", "profile": "--profile", "model_size": "--sizes"}


def prepare(sizes: list[str], seed: int) -> None:
    """Build (or reuse) the synthetic corpus and the smoke presets, then print where they are."""
    from .cache import ensure_writable
    from .data import synthetic_imdb
    from .environment import cache_dir as default_cache_dir
    from .presets import smoke_backbone, smoke_classifier
    from .runtime import activate_backend

    activate_backend(resolve_params(level=2, model_size="tiny").backend)  # validates KERAS_BACKEND
    cache_dir = ensure_writable(default_cache_dir())
    print(f"cache:              {cache_dir}")
    print(f"synthetic corpus:   {synthetic_imdb(cache_dir, seed)}")
    classifier = smoke_classifier(cache_dir)  # first: a missing backbone is built with it, in one process
    for size in sizes:
        print(f"backbone ({size:>6}):  {smoke_backbone(cache_dir, size)}")
    print(f"sst2 classifier:    {classifier}")
    print("Offline data and presets are ready: the smoke profile needs no network.")


def print_devices() -> int:
    """One line per backend with the devices it sees; non-zero when a backend cannot start."""
    from .devices import nvidia_gpus, probe, report

    found = probe()
    print("\n".join(report(found, nvidia_gpus())))
    return 1 if any(isinstance(devices, str) for devices in found.values()) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare", help="build the offline corpus and smoke presets")
    prep.add_argument("--sizes", nargs="+", default=[DEFAULTS["model_size"]], choices=MODEL_SIZES)
    prep.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    commands.add_parser("devices", help="print which devices jax, tensorflow and torch see")
    run = commands.add_parser("run", help="run notebooks x backends x sizes with papermill and report")
    run.add_argument("--profile", default=pick_default("profile", None), choices=PROFILES)
    run.add_argument("--backends", nargs="+", default=[pick_default("backend", None)], choices=BACKENDS)
    run.add_argument("--sizes", nargs="+", default=[DEFAULTS["model_size"]], choices=MODEL_SIZES)
    run.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help=f"notebooks run at once (default {DEFAULT_WORKERS})"
    )
    run.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds allowed per notebook (default {DEFAULT_TIMEOUT:.0f})",
    )
    run.add_argument("--notebooks", nargs="+", type=Path, default=None, help="default: all six")
    run.add_argument("--out", type=Path, default=None, help="default: runs/<timestamp>")
    sizing = run.add_argument_group("notebook parameters (default: each level's own; checked before anything runs)")
    sizing.add_argument("--max-examples", type=int, help="reviews per split, classes balanced")
    sizing.add_argument("--epochs", type=int)
    sizing.add_argument("--sequence-length", type=int)
    sizing.add_argument("--seed", type=int)
    sizing.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other notebook parameter, e.g. --param batch_size=8 (repeatable)",
    )
    run.add_argument("--estimate-only", action="store_true", help="print the duration estimate and stop")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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


def notebook_parameters(args) -> dict:
    """The notebook parameters given on the command line: the named options, then each --param."""
    named = {
        "max_examples": args.max_examples,
        "epochs": args.epochs,
        "sequence_length": args.sequence_length,
        "seed": args.seed,
    }
    parameters = {name: value for name, value in named.items() if value is not None}
    for item in args.param:
        name, equals, text = item.partition("=")
        if not equals or not name.strip():
            raise CourseConfigError(f"--param {item!r} is not valid; write it as NAME=VALUE, e.g. batch_size=8")
        name = name.strip()
        if name in GRID_OPTIONS:
            raise CourseConfigError(f"parameter {name!r} is set by the grid; use {GRID_OPTIONS[name]} instead")
        if name in parameters:
            raise CourseConfigError(f"parameter {name!r} is given twice; give it once")
        try:
            parameters[name] = ast.literal_eval(text)  # 8 -> int, None -> None, 'x' -> str
        except (ValueError, SyntaxError):
            parameters[name] = text
    return parameters


def run_report(args) -> int:
    """Check and estimate the grid, execute it, print where the report is.

    Exit status: 0 when every run is ok, 1 when any failed or timed out, 130 when interrupted.
    """
    from .estimate import describe
    from .layout import course_notebooks
    from .runner import default_root, plan, run_grid

    if args.workers < 1:
        raise CourseConfigError(f"--workers={args.workers} is out of range; give an integer >= 1")
    if args.timeout <= 0:
        raise CourseConfigError(f"--timeout={args.timeout} is out of range; give seconds > 0")
    root = (args.out or default_root()).absolute()
    notebooks = args.notebooks or course_notebooks()
    runs = plan(notebooks, args.backends, args.sizes, args.profile, root, notebook_parameters(args))
    print(describe(runs, args.workers), flush=True)
    if args.estimate_only:
        return 0
    runs = run_grid(runs, root, args.workers, args.timeout)
    for run in runs:
        if run.status != "ok":
            print(f"NOT OK {run.name}: {run.status}: {run.error}", file=sys.stderr)
    ok = sum(run.status == "ok" for run in runs)
    print(f"{ok} of {len(runs)} runs ok. Report: {root / 'summary.md'}")
    if any(run.status == "interrupted" for run in runs):
        return 130
    return 0 if ok == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
