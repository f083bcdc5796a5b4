"""The batch report: figures read as they are (0.0 included), sources and interruptions stated."""

import csv
from pathlib import Path

from course_utils.report import write_report
from course_utils.runner import Run

UNVERIFIED = "IMDB directory from COURSE_IMDB_DIR, unverified (/data/aclImdb)"


def run(tmp_path, level: int, status: str = "ok", profile: str = "full", **results) -> Run:
    notebook = Path(f"0{level}_lesson.ipynb")
    return Run(notebook, "jax", "tiny", profile, tmp_path / notebook.stem, status=status, results=results)


def read(root):
    with open(root / "summary.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle)), (root / "summary.md").read_text()


def test_zero_accuracy_and_loss_are_figures_not_missing_values(tmp_path):
    record = {
        "figures": {"test_accuracy": 0.0, "test_loss": 0.0},
        "history": {"val_sparse_categorical_accuracy": [0.5, 0.0]},
        "ms_per_step": 0.0,
    }
    write_report(tmp_path, [run(tmp_path, 2, **record)])
    (row,), summary = read(tmp_path)
    assert (row["test_accuracy"], row["test_loss"], row["val_accuracy"], row["ms_per_step"]) == (
        "0.0",
        "0.0",
        "0.0",
        "0.0",
    )
    assert row["guide_accuracy"] == "0.8621"
    assert "| 0.0000 | 0.8621 | 0.0000 | 0.0000 |" in summary


def test_full_run_is_labelled_by_where_its_data_and_presets_came_from(tmp_path):
    provenance = {"data": UNVERIFIED, "presets": {"backbone": "keras-hub preset bert_tiny_en_uncased (Kaggle)"}}
    write_report(tmp_path, [run(tmp_path, 2, provenance=provenance), run(tmp_path, 6, provenance={"data": UNVERIFIED})])
    rows, summary = read(tmp_path)
    assert f"- data: {UNVERIFIED} (level 2, 6)" in summary
    assert "- presets: backbone: keras-hub preset bert_tiny_en_uncased (Kaggle) (level 2)" in summary
    assert "did not verify" in summary and "SYNTHETIC" not in summary
    assert [r["data"] for r in rows] == [UNVERIFIED, UNVERIFIED]


def test_interrupted_grid_says_so_and_lists_its_settings(tmp_path):
    runs = [
        run(tmp_path, 6, status="interrupted", profile="smoke"),
        run(tmp_path, 1, status="interrupted", profile="smoke"),
    ]
    runs[0].error, runs[1].error = "stopped after 12 s, in In [7] `history = model.fit(`", "stopped before it started"
    grid = {"profile": "smoke", "workers": 1, "timeout": 600.0, "parameters": {"epochs": 1}, "interrupted_by": "SIGINT"}
    write_report(tmp_path, runs, grid)
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("# Course run: 0 of 2 runs ok (2 interrupted)")
    assert "**Interrupted by SIGINT" in summary
    assert "Grid: profile smoke, 1 worker(s), timeout 600 s per notebook, parameters: epochs=1." in summary
    assert "In [7] `history = model.fit(`" in summary
    assert "data and presets: not recorded" in summary
