"""The nbmake pass of `make test` fails a notebook that writes to stderr or gets its level's figures wrong."""

import os
import sys

import nbformat
import pytest
from nbmake_stderr import stderr_blocks
from watched import run_watched


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(notebook, str(path))
    return path


def test_stderr_blocks_lists_only_stderr_streams():
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("text"),
            nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("stream", name="stdout", text="fine\n")]),
            nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("stream", name="stderr", text="noise\n")]),
        ]
    )
    assert stderr_blocks(notebook) == [(2, "noise\n")]


@pytest.mark.slow
def test_nbmake_with_the_plugin_fails_on_stderr_and_passes_clean_notebooks(tmp_path):
    clean = _notebook(tmp_path / "clean.ipynb", "print('hello')", "import warnings")
    noisy = _notebook(tmp_path / "noisy.ipynb", "print('hello')", "import sys; print('oops', file=sys.stderr)")
    result = run_watched(  # pytest prints as each notebook ends
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.nbmake_stderr",
            "-p",
            "no:cacheprovider",
            "--nbmake",
            "-q",
            "--rootdir",
            str(tmp_path),
            str(clean),
            str(noisy),
        ]
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "noisy.ipynb::noisy.ipynb" in result.stdout and "clean.ipynb::" not in result.stdout
    assert "1 stderr block(s); first in cell 1: oops" in result.stdout


WRITE_RESULTS = """
import json, os
from course_utils.layout import results_file
results = {"synthetic_data": True, "params": {"profile": "smoke", "epochs": 2}, "settings": {},
           "history": {"loss": [0.7, 0.6], "val_sparse_categorical_accuracy": [0.5, %s]},
           "figures": {"backbone_unchanged": True, "trainable_params": 10, "total_params": 100,
                       "probe_val_accuracy": 0.6}}
results_file(os.environ["COURSE_RESULTS_DIR"], 4).write_text(json.dumps(results))
"""


@pytest.mark.slow
def test_nbmake_with_the_plugin_checks_the_figures_a_level_notebook_writes(tmp_path):
    """A level's notebook (named like one) must write results that pass tests/figures.py in this run.

    One nbmake session, in order: good figures, bad figures, then no results at all (the bad run's
    file is still there, but older than the run)."""
    notebooks = [
        _notebook(tmp_path / name, source)
        for name, source in [
            ("04_good.ipynb", WRITE_RESULTS % 0.8),
            ("04_bad.ipynb", WRITE_RESULTS % 0.5),
            ("04_silent.ipynb", "print('no results')"),
        ]
    ]
    results = tmp_path / "results"
    results.mkdir()
    outcome = run_watched(  # pytest prints as each notebook ends
        [sys.executable, "-m", "pytest", "-p", "tests.nbmake_stderr", "-p", "no:cacheprovider", "--nbmake", "-v"]
        + ["--rootdir", str(tmp_path), *map(str, notebooks)],
        env={**os.environ, "COURSE_RESULTS_DIR": str(results)},
    )
    assert "04_good.ipynb::04_good.ipynb PASSED" in outcome.stdout, outcome.stdout
    assert "04_bad.ipynb::04_bad.ipynb FAILED" in outcome.stdout
    assert "04_silent.ipynb::04_silent.ipynb FAILED" in outcome.stdout
    assert "validation accuracy 0.500 < 0.7" in outcome.stdout
    assert "was not written by this run" in outcome.stdout
