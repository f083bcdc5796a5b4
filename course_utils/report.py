"""The batch runner's report: summary.md, summary.csv and comparison.png beside the runs."""

from __future__ import annotations

import csv
from pathlib import Path
from statistics import mean

from .config import LEVEL_SETTINGS, VALIDATION_SPLIT, guide_test_accuracy
from .plots import level_comparison, save_png

COLUMNS = [
    "notebook",
    "level",
    "backend",
    "model_size",
    "profile",
    "status",
    "test_accuracy",
    "guide_accuracy",
    "test_loss",
    "val_accuracy",
    "seconds_per_epoch",
    "ms_per_step",
    "guide_ms_per_step",
    "jit_compile",
    "trainable_params",
    "total_params",
    "wall_seconds",
    "error",
]
CSV_ONLY = ["data", "presets"]  # long texts: summary.md lists them once above the table


def _last(values):
    return values[-1] if isinstance(values, list) and values else values


def summarize(run) -> dict:
    """One report row: this run's test figures beside the guide's, its timings and provenance."""
    results, reference = run.results, LEVEL_SETTINGS[run.level]["reference"]
    history, figures = results.get("history", {}), results.get("figures", {})
    seconds, provenance = results.get("seconds_per_epoch"), results.get("provenance", {})
    return {
        "notebook": run.notebook.name,
        "level": run.level,
        "backend": run.backend,
        "model_size": run.model_size,
        "profile": run.profile,
        "status": run.status,
        "test_accuracy": figures.get("test_accuracy"),
        "guide_accuracy": guide_test_accuracy(reference),
        "test_loss": figures.get("test_loss"),
        "val_accuracy": _last(history.get("val_sparse_categorical_accuracy")),
        "seconds_per_epoch": mean(seconds) if seconds else None,
        "ms_per_step": results.get("ms_per_step"),
        "guide_ms_per_step": reference.get("ms_per_step"),
        "jit_compile": results.get("jit_compile"),
        "trainable_params": figures.get("trainable_params"),
        "total_params": figures.get("total_params"),
        "wall_seconds": round(run.wall_seconds, 1),
        "error": run.error,
        "data": provenance.get("data"),
        "presets": "; ".join(f"{kind}: {text}" for kind, text in provenance.get("presets", {}).items()) or None,
    }


def _cell(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if value < 10 else f"{value:.1f}"
    return str(value).replace("|", "\\|")


def _sources(rows: list[dict]) -> list[str]:
    """Where the data and presets came from, each distinct source once, with the levels that used it."""
    lines = []
    for key in CSV_ONLY:
        used: dict[str, set] = {}
        for row in rows:
            if row[key]:
                used.setdefault(row[key], set()).add(row["level"])
        lines += [f"- {key}: {text} (level {', '.join(map(str, sorted(levels)))})" for text, levels in used.items()]
    return lines or ["- data and presets: not recorded (no run got as far as saving its results)"]


def _heading(rows: list[dict], grid: dict) -> list[str]:
    ok = sum(r["status"] == "ok" for r in rows)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("failed", "timeout", "interrupted")}
    others = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    lines = [f"# Course run: {ok} of {len(rows)} runs ok" + (f" ({others})" if others else ""), ""]
    if grid.get("interrupted_by"):
        lines += [
            f"**Interrupted by {grid['interrupted_by']}: the runs marked interrupted did not finish "
            "(those stopped while running keep their partial notebook and log).**",
            "",
        ]
    parameters = ", ".join(f"{k}={v}" for k, v in grid.get("parameters", {}).items()) or "the levels' own"
    lines += [
        f"Grid: profile {grid.get('profile')}, {grid.get('workers')} worker(s), timeout "
        f"{grid.get('timeout', 0):.0f} s per notebook, parameters: {parameters}.",
        "",
    ]
    sources = _sources(rows)
    if any(r["profile"] == "smoke" for r in rows):
        lines += [
            "**Smoke profile: SYNTHETIC data and course-built presets; accuracies are not comparable "
            "with the guide's figures.**",
            "",
        ]
    if any("unverified" in line for line in sources):
        lines += [
            "**Some inputs are local copies the course did not verify: these figures are only as "
            "good as those copies.**",
            "",
        ]
    return lines + ["Sources:", *sources, ""]


def write_report(root: Path, runs, grid: dict | None = None) -> Path:
    """Write summary.csv, summary.md and comparison.png under root; return the Markdown path.

    `grid` describes the run as a whole: profile, workers, timeout, parameters, interrupted_by.
    """
    root.mkdir(parents=True, exist_ok=True)
    grid = grid or {}
    rows = sorted((summarize(run) for run in runs), key=lambda r: (r["level"], r["backend"], r["model_size"]))
    with open(root / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS + CSV_ONLY)
        writer.writeheader()
        writer.writerows(rows)
    charted = [r for r in rows if r["status"] == "ok" and r["test_accuracy"] is not None]
    synthetic = any(r["profile"] == "smoke" for r in rows)
    figure = level_comparison(
        [f"{r['level']} {r['backend']} {r['model_size']}" for r in charted],
        [r["guide_accuracy"] for r in charted],
        [r["test_accuracy"] for r in charted],
        metric="accuracy on the test split",
        run_label="this run (SYNTHETIC data)" if synthetic else "this run",
    )
    save_png(figure, root / "comparison.png")
    lines = _heading(rows, grid) + [
        "What the columns mean: `test_accuracy` and `test_loss` are this run's one evaluation of the test "
        "split after training (level 5: masked-LM accuracy and loss); `guide_accuracy` is the guide's final "
        "figure, which it measured on the test split (level 1: its test accuracy). `val_accuracy` is the last "
        f"epoch's, on {VALIDATION_SPLIT:.0%} of the training reviews held out. `ms_per_step` is the median "
        "training step alone (no validation, no compiling first step); `seconds_per_epoch` includes both; "
        "the guide's are from its GPU, its ms/step being Keras' progress-bar figure, validation included. "
        "`jit_compile` is what training ran (Keras turns XLA off for "
        "tensorflow on a CPU).",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |" for row in rows]
    lines += ["", "![accuracy on the test split per level, guide beside this run](comparison.png)", ""]
    path = root / "summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
