"""Run a notebook with papermill from a scratch folder, and read back the results a lesson wrote there."""

from __future__ import annotations

import json
import os
from pathlib import Path

from watched import SILENCE_SECONDS

from course_utils.environment import COURSE_RESULTS_DIR
from course_utils.layout import course_notebooks, notebook_level, results_file


def execute(notebook: Path, directory: Path, *, kernel: str = "python3", **parameters):
    """Execute `notebook` with papermill into `directory`, which is also its working directory and its
    COURSE_RESULTS_DIR (not notebooks/: a notebook must find its data and package from anywhere).
    Return the executed notebook; raise papermill's error when a cell fails."""
    import papermill

    previous = os.environ.get(COURSE_RESULTS_DIR)
    os.environ[COURSE_RESULTS_DIR] = str(directory)  # the kernel inherits this process's environment
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(Path(directory) / Path(notebook).name),
            parameters=parameters,
            cwd=str(directory),
            progress_bar=False,
            kernel_name=kernel,
            # papermill's 60 s for the kernel to start is a wall-clock bound a loaded machine can pass
            # with nothing wrong; this one only catches a hang (cells have no time limit at all).
            start_timeout=SILENCE_SECONDS,
        )
    finally:
        if previous is None:
            os.environ.pop(COURSE_RESULTS_DIR, None)
        else:
            os.environ[COURSE_RESULTS_DIR] = previous


def run_notebook(level: int, directory: Path, *, kernel: str = "python3", **parameters) -> dict:
    """Execute the lesson notebook of `level` (see `execute`); return the results record it wrote."""
    (notebook,) = [path for path in course_notebooks() if notebook_level(path) == level]
    execute(notebook, directory, kernel=kernel, **parameters)
    return json.loads(results_file(directory, level).read_text(encoding="utf-8"))
