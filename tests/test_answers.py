"""The lessons' answers run: every 정답 block's python code is appended to its notebook and executed
by the nbmake pass (tests/nbmake_stderr.py); a broken answer fails the suite."""

import ast
import sys

import nbformat
import pytest
from answers import answer_blocks, with_answers
from watched import run_watched

from course_utils.layout import course_notebooks

ANSWERED = "\n".join(
    [
        "1. 질문",
        "   <details><summary>힌트</summary>",
        "",
        "   ```python",
        "   not_an_answer()",
        "   ```",
        "   </details>",
        "   <details><summary>정답</summary>",
        "",
        "   설명입니다.",
        "",
        "   ```python",
        "   assert x == {value}, f'x is {{x}}'",
        "   print('정답 확인')",
        "   ```",
        "   </details>",
    ]
)


def _lesson(path, value):
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell(ANSWERED.format(value=value))]
    )
    nbformat.write(notebook, str(path))
    return path


def test_only_answer_blocks_are_taken_and_dedented(tmp_path):
    notebook = nbformat.read(_lesson(tmp_path / "lesson.ipynb", 1), as_version=4)
    assert answer_blocks(notebook) == [(1, "assert x == 1, f'x is {x}'\nprint('정답 확인')\n")]
    extended = with_answers(notebook)
    assert len(extended.cells) == 3 and extended.cells[-1].metadata["tags"] == ["answer"]
    assert len(notebook.cells) == 2, "the lesson itself is left alone"


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.name)
def test_every_answer_in_a_lesson_is_python(path):
    for index, code in answer_blocks(nbformat.read(path, as_version=4)):
        ast.parse(code, filename=f"{path.name}, answer in markdown cell {index}")


@pytest.mark.slow
def test_a_broken_answer_fails_the_nbmake_pass_and_a_right_one_passes(tmp_path):
    right = _lesson(tmp_path / "right.ipynb", 1)
    broken = _lesson(tmp_path / "broken.ipynb", 2)
    result = run_watched(  # pytest prints as each notebook ends
        [sys.executable, "-m", "pytest", "-p", "tests.nbmake_stderr", "-p", "no:cacheprovider", "--nbmake", "-q"]
        + ["--rootdir", str(tmp_path), str(right), str(broken)]
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert "broken.ipynb::broken.ipynb" in result.stdout and "x is 1" in result.stdout
    assert not list(tmp_path.glob(".answers-*")), "the extended copy is removed"
