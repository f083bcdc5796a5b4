"""pytest plugin: nbmake runs a notebook and then its answers, and also fails a notebook that writes
to stderr, or whose smoke figures are wrong (`pytest -p tests.nbmake_stderr --nbmake`).

The answers (code in the lessons' folded 정답 blocks, tests/answers.py) are appended after the last
cell, so they run against the lesson's own state; the committed cells run as committed.

JupyterLab shows every stderr stream as a red block that a learner cannot tell from an
error, so a committed notebook must write none: a stderr block fails the run like an
exception does. A smoke run's levelN_results.json must also pass tests/figures.py, so the
as-committed runs check what each level teaches (no separate papermill run repeats them).
nbmake has no hook for this; the plugin wraps its `NotebookRun`.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path


def stderr_blocks(notebook) -> list[tuple[int, str]]:
    """(cell index, text) of every stderr stream output in an executed notebook."""
    return [
        (index, output.get("text", ""))
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]


def figure_problems(notebook: Path, since: float) -> list[str]:
    """tests/figures.py's checks of the results this run wrote (smoke runs; other profiles are not judged)."""
    named = re.match(r"0([1-6])_", notebook.name)
    if not named:  # not a level's notebook
        return []
    results_dir = Path(os.environ.get("COURSE_RESULTS_DIR") or notebook.parent / "results")
    level = int(named.group(1))
    path = results_dir / f"level{level}_results.json"
    if not path.is_file() or path.stat().st_mtime < since:
        return [f"{path} was not written by this run"]
    from tests.figures import problems

    results = json.loads(path.read_text(encoding="utf-8"))
    return problems(level, results) if results["params"]["profile"] == "smoke" else []


def pytest_configure(config):
    if not config.getoption("nbmake", default=False):
        return
    import nbformat
    from nbmake import pytest_items
    from nbmake.nb_result import NotebookError

    from tests.answers import with_answers  # loaded as `-p tests.nbmake_stderr`, so `tests` is importable

    class StderrFailingRun(pytest_items.NotebookRun):
        def execute(self):
            started = time.time()
            lesson = Path(self.filename)
            # A sibling file, so the notebook runs from its own folder as nbmake would run it.
            extended = lesson.with_name(f".answers-{lesson.name}")
            nbformat.write(with_answers(nbformat.read(lesson, as_version=4)), extended)
            try:
                self.filename = extended
                result = super().execute()
            finally:
                self.filename = lesson
                extended.unlink(missing_ok=True)
            wrong = figure_problems(lesson, started) if result.error is None else []
            if wrong:
                summary = f"{lesson.name}: " + "; ".join(wrong)
                result.error = NotebookError(summary=summary, trace=summary, failing_cell_index=0)
            blocks = stderr_blocks(result.nb)
            if result.error is None and blocks:
                index, first = blocks[0]
                shown = "\n".join(f"--- cell {i} stderr:\n{text.rstrip()}" for i, text in blocks)
                first_line = first.strip().splitlines()[0][:200] if first.strip() else "(blank)"
                summary = f"{len(blocks)} stderr block(s); first in cell {index}: {first_line}"
                result.error = NotebookError(
                    summary=summary,
                    trace=f"{summary}\n{shown}",
                    failing_cell_index=index,
                )
            return result

    pytest_items.NotebookRun = StderrFailingRun
