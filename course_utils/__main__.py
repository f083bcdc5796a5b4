"""Command line: `python -m course_utils prepare` builds the offline corpus and presets."""

from __future__ import annotations

import argparse
import sys

from .config import DEFAULTS, MODEL_SIZES, CourseConfigError


def prepare(sizes: list[str], seed: int) -> None:
    """Build (or reuse) the synthetic corpus and the smoke presets, then print where they are."""
    from .cache import default_cache_dir, ensure_writable
    from .data import synthetic_imdb
    from .presets import smoke_backbone, smoke_classifier
    from .runtime import _activate_backend
    from .config import _pick

    _activate_backend(_pick("backend", None))
    cache_dir = ensure_writable(default_cache_dir())
    print(f"cache:              {cache_dir}")
    print(f"synthetic corpus:   {synthetic_imdb(cache_dir, seed)}")
    for size in sizes:
        print(f"backbone ({size:>6}):  {smoke_backbone(cache_dir, size)}")
    print(f"sst2 classifier:    {smoke_classifier(cache_dir)}")
    print("Offline data and presets are ready: the smoke profile needs no network.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare", help="build the offline corpus and smoke presets")
    prep.add_argument("--sizes", nargs="+", default=["tiny"], choices=MODEL_SIZES)
    prep.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    args = parser.parse_args(argv)
    try:
        prepare(args.sizes, args.seed)
    except CourseConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
