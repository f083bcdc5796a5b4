"""The batch runner's report: summary.md, summary.csv and comparison.png beside the runs."""

from __future__ import annotations

import csv
from pathlib import Path
from statistics import mean

from .config import LEVEL_SETTINGS
from .plots import level_comparison, save_png

COLUMNS = ["notebook", "level", "backend", "model_size", "profile", "status", "accuracy", "loss",
           "seconds_per_epoch", "ms_per_step", "trainable_params", "total_params",
           "guide_accuracy", "guide_seconds_per_epoch", "wall_seconds", "error"]


def _last(values):
    return values[-1] if isinstance(values, list) and values else values


def summarize(run) -> dict:
    """One report row from a run: its final accuracy and loss beside the guide's figures."""
    results, reference = run.results, LEVEL_SETTINGS[run.level]["reference"]
    history, figures = results.get("history", {}), results.get("figures", {})
    accuracy = _last(history.get("val_sparse_categorical_accuracy")) or figures.get("test_accuracy")
    loss = _last(history.get("val_loss")) or figures.get("test_loss")
    seconds = results.get("seconds_per_epoch")
    steps = results.get("ms_per_step")
    return {
        "notebook": run.notebook.name, "level": run.level, "backend": run.backend,
        "model_size": run.model_size, "profile": run.profile, "status": run.status,
        "accuracy": accuracy, "loss": loss,
        "seconds_per_epoch": mean(seconds) if seconds else None,
        "ms_per_step": mean(steps) if steps else None,
        "trainable_params": figures.get("trainable_params"),
        "total_params": figures.get("total_params"),
        "guide_accuracy": _last(reference.get("val_accuracy")) or reference.get("test_accuracy"),
        "guide_seconds_per_epoch": reference.get("seconds_per_epoch"),
        "wall_seconds": round(run.wall_seconds, 1), "error": run.error,
    }


def _cell(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if value < 10 else f"{value:.1f}"
    return str(value).replace("|", "\\|")


def write_report(root: Path, runs) -> Path:
    """Write summary.csv, summary.md and comparison.png under root; return the Markdown path."""
    root.mkdir(parents=True, exist_ok=True)
    rows = sorted((summarize(run) for run in runs), key=lambda r: (r["level"], r["backend"], r["model_size"]))
    with open(root / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    ok = [r for r in rows if r["status"] == "ok"]
    synthetic = any(r["profile"] == "smoke" for r in rows)
    figure = level_comparison([f"{r['level']} {r['backend']} {r['model_size']}" for r in ok],
                              [r["guide_accuracy"] for r in ok], [r["accuracy"] for r in ok],
                              run_label="this run (SYNTHETIC data)" if synthetic else "this run")
    save_png(figure, root / "comparison.png")
    lines = [
        f"# Course run: {len(ok)} of {len(rows)} runs ok",
        "",
        "**Smoke profile: accuracies come from SYNTHETIC data and course-built presets; they are not "
        "comparable with the guide's figures.**" if synthetic else "Full profile: real IMDB and keras-hub presets.",
        "",
        "Accuracy is the final validation accuracy (level 1: test accuracy); guide figures are the "
        "guide's own (its GPU, real IMDB).",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |" for row in rows]
    lines += ["", "![accuracy per level, guide beside this run](comparison.png)", ""]
    path = root / "summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
