"""pytest plugin: nbmake also fails a notebook that writes to stderr (`pytest -p tests.nbmake_stderr --nbmake`).

JupyterLab shows every stderr stream as a red block that a learner cannot tell from an
error, so a committed notebook must write none: a stderr block fails the run like an
exception does. nbmake has no hook for this; the plugin wraps its `NotebookRun`.
"""

from __future__ import annotations


def stderr_blocks(notebook) -> list[tuple[int, str]]:
    """(cell index, text) of every stderr stream output in an executed notebook."""
    return [
        (index, output.get("text", ""))
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]


def pytest_configure(config):
    if not config.getoption("nbmake", default=False):
        return
    from nbmake import pytest_items
    from nbmake.nb_result import NotebookError

    class StderrFailingRun(pytest_items.NotebookRun):
        def execute(self):
            result = super().execute()
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
