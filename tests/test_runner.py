"""The batch runner on real notebooks in the smoke profile: a small grid, a failing run, the report."""

import csv

from conftest import run_python
from course_utils.runner import NOTEBOOK_DIR, plan, run_grid

LEVEL1 = NOTEBOOK_DIR / "01_inference_pretrained_classifier.ipynb"
LEVEL6 = NOTEBOOK_DIR / "06_transformer_from_scratch.ipynb"


def test_plan_skips_level1_at_sizes_without_a_classifier(tmp_path):
    runs = plan([LEVEL1, LEVEL6], ["jax", "torch"], ["tiny", "small"], "smoke", tmp_path)
    assert sorted(r.name for r in runs) == sorted([
        f"{LEVEL1.stem}-jax-tiny", f"{LEVEL1.stem}-torch-tiny",
        f"{LEVEL6.stem}-jax-tiny", f"{LEVEL6.stem}-jax-small", f"{LEVEL6.stem}-torch-tiny", f"{LEVEL6.stem}-torch-small",
    ])


def test_small_grid_keeps_notebooks_and_writes_the_report(tmp_path):
    root, runs = run_grid([LEVEL1, LEVEL6], ["jax"], ["tiny"], "smoke", workers=2, root=tmp_path / "run",
                          extra_parameters={"epochs": 2})
    assert [r.status for r in runs] == ["ok", "ok"], [r.error for r in runs]
    for run in runs:
        assert (run.directory / run.notebook.name).is_file()
        assert (run.directory / f"level{run.level}_results.json").is_file()
    rows = list(csv.DictReader(open(root / "summary.csv")))
    assert [(r["level"], r["status"]) for r in rows] == [("1", "ok"), ("6", "ok")]
    assert float(rows[0]["accuracy"]) > 0.5 and rows[0]["guide_accuracy"] == "0.7835"
    assert rows[1]["guide_accuracy"] == "0.8748" and float(rows[1]["seconds_per_epoch"]) > 0
    summary = (root / "summary.md").read_text()
    assert "2 of 2 runs ok" in summary and "SYNTHETIC" in summary
    assert (root / "comparison.png").read_bytes()[:4] == b"\x89PNG"


def test_a_failing_run_is_reported_with_its_cell_and_error(tmp_path):
    root, runs = run_grid([LEVEL6], ["jax"], ["tiny"], "smoke", root=tmp_path / "bad",
                          extra_parameters={"epochs": 0})
    assert runs[0].status == "failed"
    assert runs[0].error.startswith("cell ") and "CourseConfigError: epochs=0 is out of range" in runs[0].error
    rows = list(csv.DictReader(open(root / "summary.csv")))
    assert rows[0]["status"] == "failed" and "epochs=0" in rows[0]["error"]
    assert "0 of 1 runs ok" in (root / "summary.md").read_text()


def test_command_line_exits_non_zero_when_a_run_fails(tmp_path):
    result = run_python(
        "import sys; from course_utils.__main__ import main\n"
        f"sys.exit(main(['run', '--notebooks', {str(LEVEL6)!r}, '--out', {str(tmp_path)!r}, '--timeout', '1']))\n"
    )
    assert result.returncode == 1
    assert "FAILED" in result.stderr and "timeout" in result.stderr
    assert f"0 of 1 runs ok. Report: {tmp_path / 'summary.md'}" in result.stdout


def test_parallel_stress_run_repeated_has_no_kernel_start_races(tmp_path):
    for attempt in range(2):
        _, runs = run_grid([LEVEL1], ["jax", "tensorflow", "torch"], ["tiny"], "smoke", workers=3,
                           root=tmp_path / f"attempt{attempt}")
        assert [r.status for r in runs] == ["ok"] * 3, [r.error for r in runs]
