"""The notebooks keep notebooks/STYLE.md: no retired word, every closing section, folded answers."""

import ast
import io
import json
import re
import tokenize

import pytest
from conftest import ROOT

from course_utils.runner import course_notebooks

STYLE = ROOT / "notebooks" / "STYLE.md"
NOTEBOOKS = course_notebooks()
SECTIONS = [
    "이 노트북을 마치면",
    "## 실행 매개변수",
    "## 가이드와 다른 점",
    "## 소요 시간",
    "## 요약",
    "## 확인 문제",
    "## 연습 문제",
    "## 더 알아보기",
]


def retired_patterns() -> dict[str, str]:
    """{regex: preferred term} from the glossary table's third column."""
    patterns = {}
    for line in STYLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2].startswith("`"):
            for pattern in re.findall(r"`([^`]+)`", cells[2]):
                patterns[pattern] = cells[0]
    return patterns


def _code_text(source: str) -> str:
    """Comments and string literals of a code cell (the Korean a learner reads), not identifiers."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))]
    parts = []
    for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
        if token.type == tokenize.COMMENT:
            parts.append(token.string)
        elif token.type == tokenize.STRING:
            parts.append(
                str(ast.literal_eval(token.string)) if not token.string[:2].lower().startswith("f") else token.string
            )
    return "\n".join(parts)


def learner_text(path) -> list[tuple[int, str]]:
    """(cell index, text) for every markdown cell and every code cell's comments and strings."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        (i, "".join(c["source"]) if c["cell_type"] == "markdown" else _code_text("".join(c["source"])))
        for i, c in enumerate(cells)
    ]


def _sections(path) -> dict[str, str]:
    """Markdown text under each '## ' header."""
    markdown = "\n".join(
        "".join(c["source"])
        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "markdown"
    )
    parts = re.split(r"^(## .+)$", markdown, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_glossary_retires_words():
    patterns = retired_patterns()
    assert "라벨" in patterns and patterns["라벨"] == "레이블"
    assert len(patterns) >= 15


def test_retired_words_are_found_where_a_learner_reads_them():
    text = _code_text('x = 1  # 라벨을 봅니다\nprint("트레이닝 끝")\nlabel_count = 2\n')
    assert "라벨" in text and "트레이닝" in text
    assert "label_count" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_only_the_glossary_terms(path):
    patterns = retired_patterns()
    found = [
        f"cell {i}: {m.group(0)!r} (use {preferred!r})"
        for i, text in learner_text(path)
        for pattern, preferred in patterns.items()
        for m in re.finditer(pattern, text)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_every_closing_section(path):
    markdown = "\n".join(text for _, text in learner_text(path))
    positions = [markdown.find(section) for section in SECTIONS]
    missing = [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert not missing, missing
    assert positions == sorted(positions), "sections out of the order STYLE.md gives"
    assert "TIME-TBD" not in markdown, "a time table still waits for its measurements"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_questions_and_exercises_are_answered_in_folded_blocks(path):
    sections = _sections(path)
    questions = sections["## 확인 문제"]
    numbered = re.findall(r"^\d+\. ", questions, flags=re.M)
    assert len(numbered) >= 5
    assert questions.count("<details>") >= len(numbered)
    exercises = sections["## 연습 문제"]
    numbered = re.findall(r"^\d+\. ", exercises, flags=re.M)
    assert numbered and exercises.count("<details>") >= len(numbered)
    summary_lines = [line for line in sections["## 요약"].splitlines() if line.strip()]
    assert 3 <= len(summary_lines) <= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_links_to_the_guide_the_api_and_its_neighbours(path):
    links = _sections(path)["## 더 알아보기"]
    assert re.search(r"keras\.io/guides/keras_(nlp|hub)/getting_started", links)
    assert "keras.io/api/keras_hub/" in links or "keras.io/api/keras_nlp/" in links
    level = int(path.name[:2])
    for neighbour in (level - 1, level + 1):
        if 1 <= neighbour <= 6:
            name = next(p.name for p in NOTEBOOKS if p.name.startswith(f"{neighbour:02d}_"))
            assert name in links, f"no link to {name}"
