"""The notebooks keep notebooks/STYLE.md: no retired word, the layout's sections in order, folded
answers, and no run figure typed in prose."""

import ast
import io
import json
import re
import tokenize

import pytest
from conftest import ROOT

from course_utils.layout import course_notebooks, notebook_level

STYLE = ROOT / "notebooks" / "STYLE.md"
NOTEBOOKS = course_notebooks()
COURSE_PAGE = ROOT / "notebooks" / "COURSE.md"
# STYLE.md's layout: the lesson, then the closing sections, then the short appendix.
SECTIONS = [
    "이 노트북을 마치면",
    "가이드에서의 위치:",
    "## 실행 매개변수",
    "## 환경 준비",
    "## 요약",
    "## 확인 문제",
    "## 연습 문제",
    "## 더 알아보기",
    "## 가이드와 다른 점",
    "## 소요 시간",
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


def _is_markdown(path, index: int) -> bool:
    return json.loads(path.read_text(encoding="utf-8"))["cells"][index]["cell_type"] == "markdown"


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


def test_the_course_page_uses_only_the_glossary_terms():
    patterns = retired_patterns()
    text = COURSE_PAGE.read_text(encoding="utf-8")
    found = [
        f"{m.group(0)!r} (use {preferred!r})"
        for pattern, preferred in patterns.items()
        for m in re.finditer(pattern, text)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_every_section_in_the_style_sheets_order(path):
    markdown = "\n".join(text for i, text in learner_text(path) if _is_markdown(path, i))
    positions = [markdown.find(section) for section in SECTIONS]
    missing = [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert not missing, missing
    assert positions == sorted(positions), "sections out of the order STYLE.md gives"
    assert "TIME-TBD" not in markdown, "a time table still waits for its measurements"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_links_to_the_course_page_for_the_machinery(path):
    assert "](COURSE.md)" in _sections(path)["## 실행 매개변수"]


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
    level = notebook_level(path)
    for neighbour in (level - 1, level + 1):
        if 1 <= neighbour <= 6:
            name = next(p.name for p in NOTEBOOKS if p.name.startswith(f"{neighbour:02d}_"))
            assert name in links, f"no link to {name}"


# --- Numbers in prose: every figure about a run comes from the run (STYLE.md "Numbers in prose").
DECIMAL = re.compile(r"(?<![0-9A-Za-z_.,])\d+\.\d+(?![0-9A-Za-z_.])")  # Hangul may follow
THOUSANDS = re.compile(r"(?<![0-9A-Za-z_.,])\d{1,3}(?:,\d{3})+(?!\d)")


def _numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list | tuple):
        return [n for item in value for n in _numbers(item)]
    return []


def fixed_figures() -> set[float]:
    """The numbers prose may carry: the course's table of the guide's settings and results
    (config.LEVEL_SETTINGS), the architectures, the validation split, pinned library versions
    (major.minor) and STYLE.md's table of fixed facts."""
    from course_utils import config

    allowed = set(_numbers(config.LEVEL_SETTINGS) + _numbers(config.ARCHITECTURES) + _numbers(config.DEFAULTS))
    allowed |= {config.VALIDATION_SPLIT, float(config.MAX_SEQUENCE_LENGTH), float(config.GUIDE_VOCABULARY_SIZE)}
    pins = re.findall(r'"[\w.\[\]-]+==(\d+)\.(\d+)', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    allowed |= {float(f"{major}.{minor}") for major, minor in pins}
    in_table = False
    for line in STYLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| 수 |"):
            in_table = True
        elif in_table and line.startswith("|"):
            first = line.strip("|").split("|")[0]
            allowed |= {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", first)}
        elif in_table:
            break
    return allowed


def typed_figures(markdown: str, allowed: set[float]) -> list[str]:
    """Decimals and thousands-separated numbers in prose (fenced code, URLs and comments aside)
    that are not fixed figures."""
    prose = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", markdown, flags=re.S | re.M)  # also inside list items
    prose = re.sub(r"<!--.*?-->|https?://\S+", "", prose, flags=re.S)
    found = [m.group(0) for m in DECIMAL.finditer(prose)] + [m.group(0) for m in THOUSANDS.finditer(prose)]
    return [n for n in found if not any(abs(float(n.replace(",", "")) - a) < 1e-9 for a in allowed)]


def test_typed_figures_catch_a_run_figure_and_spare_the_guides():
    allowed = fixed_figures()
    assert 0.7835 in allowed and 396_802 in allowed, "the guide's figures come from config"
    prose = (
        "가이드는 0.8621을 보고했고, 이번 smoke 실행은 0.946이었습니다. 어휘는 1,287개.\n```python\nx = 0.123\n```\n"
    )
    assert typed_figures(prose, allowed) == ["0.946", "1,287"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_run_figure_is_typed_in_prose(path):
    allowed = fixed_figures()
    found = [
        f"cell {i}: {number}"
        for i, text in learner_text(path)
        if _is_markdown(path, i)
        for number in typed_figures(text, allowed)
    ]
    assert not found, (
        "numbers in markdown that are neither the guide's (course_utils/config.py) nor STYLE.md's fixed "
        "facts; point to the cell's output instead:\n" + "\n".join(found)
    )
