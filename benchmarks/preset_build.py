"""Cold `python -m course_utils prepare`: an older course_utils against the current one, interleaved.

    python benchmarks/preset_build.py [--before REV] [--rounds N] [--beside "COMMAND"]

Each round runs `prepare` on an empty COURSE_CACHE_DIR (the synthetic corpus, the smoke backbone
and the classifier) with the course_utils package of git revision REV and with the working tree's,
in the order before, after, after, before, so a load that changes during the run falls on both.
`--beside` runs COMMAND over and over in the background meanwhile (a second job, e.g. the fast
tests). Every run gets a calibration line (benchmarks/calibrate.py) and the load average; the two
current runs' presets are compared bit for bit (two fresh caches must be identical). Prints one
JSON line per run and a summary line (`"summary": true`) with the median ratio before / after.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import calibrate  # benchmarks/ is on sys.path when this file runs

from course_utils.layout import ROOT

BEFORE = "8356798"  # the builder before the combined build and the shorter pretraining recipe


def package_at(rev: str, into: Path) -> Path:
    """The course_utils package as of `rev`, extracted under `into` (for PYTHONPATH)."""
    archive = subprocess.run(["git", "archive", rev, "course_utils"], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def cold_prepare(package_root: Path, cache: Path) -> dict:
    """`prepare` on an empty cache with the package under `package_root`, timed from the outside."""
    env = {**os.environ, "PYTHONPATH": str(package_root), "COURSE_CACHE_DIR": str(cache), "KERAS_BACKEND": "jax"}
    figures = {"calibration": calibrate.calibration()}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "course_utils", "prepare"], env=env, capture_output=True, text=True, cwd=package_root
    )
    figures["seconds"] = round(time.perf_counter() - started, 1)
    if result.returncode:
        raise SystemExit(f"prepare failed:\n{result.stderr[-3000:]}")
    figures["built"] = [line for line in result.stdout.splitlines() if line.startswith("Built ")]
    figures["load_after"] = round(os.getloadavg()[0], 2)
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


def presets_differ(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in (a / "presets").iterdir() if not p.name.startswith("."))
    return [f"{name}/{d}" for name in names for d in identical(a / "presets" / name, b / "presets" / name)]


def start_beside(command: str | None) -> subprocess.Popen | None:
    """COMMAND in a loop, in a session of its own (so it can be stopped with all it started)."""
    if not command:
        return None
    loop = f"while true; do {command} >/dev/null 2>&1; done"
    return subprocess.Popen(["bash", "-c", loop], cwd=ROOT, start_new_session=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of before, after, after, before")
    parser.add_argument("--beside", help="a second job, run in a loop during the builds")
    args = parser.parse_args(argv)
    rows = []
    second = start_beside(args.beside)
    try:
        with tempfile.TemporaryDirectory(prefix="preset-bench-") as scratch:
            scratch = Path(scratch)
            roots = {"before": package_at(args.before, scratch / "before-src"), "after": ROOT}
            if second:
                time.sleep(20)  # let the second job get going
            for round_ in range(args.rounds):
                for slot, which in enumerate(("before", "after", "after", "before")):
                    figures = cold_prepare(roots[which], scratch / f"r{round_}-{slot}-{which}")
                    row = {"round": round_, "slot": slot, "builder": which, "beside": args.beside, **figures}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
            differ = presets_differ(scratch / "r0-1-after", scratch / "r0-2-after")
    finally:
        if second:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait()
    ratios = [
        statistics.mean(r["seconds"] for r in rows if r["round"] == n and r["builder"] == "before")
        / statistics.mean(r["seconds"] for r in rows if r["round"] == n and r["builder"] == "after")
        for n in range(args.rounds)
    ]
    summary = {
        "summary": True,
        "before": args.before,
        "rounds": args.rounds,
        "beside": args.beside,
        "median_seconds": {
            which: statistics.median(r["seconds"] for r in rows if r["builder"] == which)
            for which in ("before", "after")
        },
        "ratio_before_over_after": round(statistics.median(ratios), 2),
        "after_builds_identical": not differ,
        "differ": differ[:5],
    }
    print(json.dumps(summary), flush=True)


def markdown(rows: list[dict]) -> str:
    """The BENCHMARKS.md section from this script's JSON lines (one or more runs of it)."""
    builds = [r for r in rows if not r.get("summary")]
    summaries = [r for r in rows if r.get("summary")]
    lines = [
        "## Cold `python -m course_utils prepare` (empty cache: corpus, smoke backbone and classifier)",
        "",
        f"`python benchmarks/preset_build.py`: the course_utils of `{summaries[0]['before']}` (before) against the "
        "current one (after), in the order before, after, after, before, each on an empty cache; a calibration "
        "line (`benchmarks/calibrate.py`) before each run. Compare the ratio, not the seconds, across machines.",
        "",
        "| second job | course_utils | seconds | calibration | load after |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {'`' + r['beside'] + '`' if r['beside'] else 'none'} | {r['builder']} | {r['seconds']:.0f} | "
        f"{calibrate.line(r['calibration']).removeprefix('calibration: ')} | {r['load_after']:.1f} |"
        for r in builds
    ]
    lines.append("")
    for summary in summaries:
        median, same = summary["median_seconds"], summary["after_builds_identical"]
        beside = f"`{summary['beside']}`" if summary["beside"] else "none"
        lines.append(
            f"- Second job: {beside}. Median before {median['before']:.0f} s, "
            f"after {median['after']:.0f} s: before / after {summary['ratio_before_over_after']:.2f}x. "
            f"The two current caches are {'identical bit for bit' if same else 'DIFFERENT'}."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
