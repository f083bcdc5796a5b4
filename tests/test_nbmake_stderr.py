"""The nbmake pass of `make test` fails a notebook that writes to stderr, and only such a notebook."""

import subprocess
import sys

import nbformat

from conftest import ROOT
from nbmake_stderr import stderr_blocks


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(notebook, str(path))
    return path


def test_stderr_blocks_lists_only_stderr_streams():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("stream", name="stdout", text="fine\n")]),
        nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("stream", name="stderr", text="noise\n")]),
    ])
    assert stderr_blocks(notebook) == [(2, "noise\n")]


def test_nbmake_with_the_plugin_fails_on_stderr_and_passes_clean_notebooks(tmp_path):
    clean = _notebook(tmp_path / "clean.ipynb", "print('hello')", "import warnings")
    noisy = _notebook(tmp_path / "noisy.ipynb", "print('hello')", "import sys; print('oops', file=sys.stderr)")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.nbmake_stderr", "-p", "no:cacheprovider", "--nbmake",
         "-q", "--rootdir", str(tmp_path), str(clean), str(noisy)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "noisy.ipynb::noisy.ipynb" in result.stdout and "clean.ipynb::" not in result.stdout
    assert "1 stderr block(s); first in cell 1: oops" in result.stdout
