"""Cold smoke preset builds: an older builder against the current one, interleaved, with calibrations.

    python benchmarks/preset_build.py [--before REV] [--rounds N]

Each round builds the backbone and then the classifier from the current recipes, in fresh
folders, with the builder of git revision REV (default: the builder before its tokenization moved into tf.data) and with
the working tree's, in the order before, after, after, before (then again), so a load that changes
during the run falls on both. Every build gets a calibration line (benchmarks/calibrate.py) and
the load average. The current builder's builds are also compared bit for bit (two fresh caches
must be identical). Prints one JSON line per build and a summary line (`"summary": true`) with the
median ratio before / after of each round's pairs; `--markdown` prints the BENCHMARKS.md section.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import calibrate  # benchmarks/ is on sys.path when this file runs

from course_utils import data, presets
from course_utils.environment import cache_dir
from course_utils.layout import ROOT

BEFORE = "47ec3b1"  # the builder's last commit before its tokenization moved into tf.data


def package_at(rev: str, into: Path) -> Path:
    """The course_utils package as of `rev`, extracted under `into` (for PYTHONPATH)."""
    archive = subprocess.run(["git", "archive", rev, "course_utils"], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def build(package_root: Path, kind: str, recipe: dict, source: Path, out: Path) -> dict:
    """One child build, timed from the outside; the PROGRESS lines, when the builder prints them."""
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(package_root),
    }
    command = [sys.executable, "-m", "course_utils.preset_build", kind, "--recipe", json.dumps(recipe)]
    command += ["--source", str(source), "--out", str(out)]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=package_root)
    seconds = time.perf_counter() - started
    if result.returncode:
        raise SystemExit(f"{kind} build failed:\n{result.stderr[-3000:]}")
    stages = [json.loads(line[9:]) for line in result.stdout.splitlines() if line.startswith("PROGRESS ")]
    return {"seconds": round(seconds, 1), "stages": stages}


def build_both(package_root: Path, corpus: Path, out: Path) -> dict:
    out.mkdir(parents=True)
    figures = {"calibration": calibrate.calibration()}
    figures["backbone"] = build(package_root, "backbone", presets.backbone_recipe("tiny"), corpus, out / "backbone")
    recipe = presets.classifier_recipe(out / "backbone")
    figures["classifier"] = build(package_root, "classifier", recipe, out / "backbone", out / "classifier")
    figures["load_after"] = os.getloadavg()[0]
    return figures


def identical(a: Path, b: Path) -> list[str]:
    """Files of two preset folders whose bytes differ (weights compared tensor by tensor)."""
    import h5py

    def datasets(handle) -> list[str]:
        names = []
        handle.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
        return names

    differ = []
    for path in sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file()):
        if path.name == "metadata.json":  # keras-hub's date_saved; tests/test_determinism.py leaves it out too
            continue
        if path.suffix == ".h5":
            with h5py.File(a / path) as x, h5py.File(b / path) as y:
                differ += [f"{path}:{n}" for n in datasets(x) if x[n][()].tobytes() != y[n][()].tobytes()]
        elif (a / path).read_bytes() != (b / path).read_bytes():
            differ.append(str(path))
    return differ


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of before, after, after, before")
    args = parser.parse_args(argv)
    corpus = data.synthetic_imdb(cache_dir(), presets.PRESET_CORPUS_SEED)
    rows = []
    with tempfile.TemporaryDirectory(prefix="preset-bench-") as scratch:
        scratch = Path(scratch)
        roots = {"before": package_at(args.before, scratch / "before-src"), "after": ROOT}
        for round_ in range(args.rounds):
            for slot, which in enumerate(("before", "after", "after", "before")):
                figures = build_both(roots[which], corpus, scratch / f"r{round_}-{slot}-{which}")
                row = {"round": round_, "slot": slot, "builder": which, **figures}
                row["total_seconds"] = round(figures["backbone"]["seconds"] + figures["classifier"]["seconds"], 1)
                rows.append(row)
                print(json.dumps(row), flush=True)
        afters = [scratch / f"r0-{slot}-after" for slot in (1, 2)]
        differ = identical(afters[0] / "backbone", afters[1] / "backbone")
        differ += identical(afters[0] / "classifier", afters[1] / "classifier")
    ratios = {
        part: [
            statistics.mean(r[part]["seconds"] for r in rows if r["round"] == n and r["builder"] == "before")
            / statistics.mean(r[part]["seconds"] for r in rows if r["round"] == n and r["builder"] == "after")
            for n in range(args.rounds)
        ]
        for part in ("backbone", "classifier")
    }
    summary = {
        "summary": True,
        "before": args.before,
        "rounds": args.rounds,
        "median_seconds": {
            which: {
                part: statistics.median(r[part]["seconds"] for r in rows if r["builder"] == which)
                for part in ("backbone", "classifier")
            }
            for which in ("before", "after")
        },
        "ratio_before_over_after": {part: round(statistics.median(v), 2) for part, v in ratios.items()},
        "after_builds_identical": not differ,
        "differ": differ[:5],
    }
    print(json.dumps(summary), flush=True)


def markdown(rows: list[dict]) -> str:
    """The BENCHMARKS.md section from this script's JSON lines."""
    builds = [r for r in rows if not r.get("summary")]
    (summary,) = [r for r in rows if r.get("summary")]
    lines = [
        "## Cold smoke preset build (`python -m course_utils prepare` on an empty cache)",
        "",
        f"`python benchmarks/preset_build.py`: the earlier builder (`{summary['before']}`) against the "
        "current one, in the order before, after, after, before, each from fresh folders; a calibration line "
        "(`benchmarks/calibrate.py`) before each build. Compare the ratio, not the seconds, across machines.",
        "",
        "| builder | backbone s | classifier s | calibration | load after |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['builder']} | {r['backbone']['seconds']:.0f} | {r['classifier']['seconds']:.0f} | "
        f"{calibrate.line(r['calibration']).removeprefix('calibration: ')} | {r['load_after']:.1f} |"
        for r in builds
    ]
    ratio = summary["ratio_before_over_after"]
    lines += [
        "",
        f"Before / after (median of rounds): backbone {ratio['backbone']:.2f}x, classifier {ratio['classifier']:.2f}x. "
        f"The two current builds are {'identical bit for bit' if summary['after_builds_identical'] else 'DIFFERENT'}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
