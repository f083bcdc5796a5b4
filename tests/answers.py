"""The lessons' answers that run: code in a `<details><summary>정답</summary>` block (STYLE.md).

Learners see every answer folded (JupyterLab, Colab, GitHub, the site). CI appends each answer's
python blocks, in order, after the notebook's last cell and runs them against the lesson's state:
`with_answers` is what the nbmake plugin (tests/nbmake_stderr.py) executes.
"""

from __future__ import annotations

import copy
import re
import textwrap

import nbformat

ANSWER = re.compile(r"<details>\s*<summary>\s*정답\s*</summary>(.*?)</details>", re.S)
PYTHON = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```", re.S | re.M)


def answer_blocks(notebook) -> list[tuple[int, str]]:
    """(markdown cell index, code) of every python block inside a 정답 block, in notebook order."""
    return [
        (index, textwrap.dedent(code.group(2)).rstrip() + "\n")
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "markdown"
        for answer in ANSWER.finditer("".join(cell["source"]))
        for code in PYTHON.finditer(answer.group(1))
    ]


def with_answers(notebook):
    """A copy of the notebook with every answer appended as a code cell, labelled with its source cell."""
    extended = copy.deepcopy(notebook)
    for index, code in answer_blocks(notebook):
        cell = nbformat.v4.new_code_cell(f"# 정답 코드 (markdown cell {index})\n{code}")
        cell.metadata["tags"] = ["answer"]
        extended.cells.append(cell)
    return extended
