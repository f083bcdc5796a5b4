"""Sphinx sources for the course's website, from the notebooks the batch runner executed.

Each lesson page is its executed notebook with two cells left out (papermill's
injected-parameters cell and the Colab cell, which only installs the course on Colab) and a
note under its title: the outputs come from the smoke profile on synthetic data, with the
commit, date, backend and library versions of the run, and the guide's own figures beside the
run's (the guide's from course_utils/config.py LEVEL_SETTINGS, the run's from its results JSON).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat

from course_utils.config import LEVEL_SETTINGS, format_figure, guide_test_accuracy

# A markdown link to a file beyond notebooks/ (`[BENCHMARKS.md](../BENCHMARKS.md)`): the site holds
# only the notebooks' folder, so the link goes to the repository, or becomes its text while the
# repository has no public URL.
OUTSIDE_LINK = re.compile(r"\[([^\]]*)\]\(\.\./([^)\s]+)\)")
COURSE_LINK = re.compile(r"\]\(COURSE\.md(#[^)\s]*)?\)")  # the course page is the site's front page, index

INJECTED_TAG = "injected-parameters"  # papermill's cell holding the values it was given
STAGE_ONLY = {"index.md", "STYLE.md"}  # besides the lessons
PLACEHOLDER = """\
# KerasNLP 시작하기: 실행하며 배우는 강좌

KerasNLP(keras-hub) "Getting started" 가이드의 여섯 단계를 노트북 여섯 개로 따라가는 강좌입니다.
이 사이트의 각 노트북 페이지에는 강좌가 smoke 프로필(합성 데이터)로 실행한 출력이 함께 있습니다.

{lessons}
"""
FIGURE_NAMES = {  # the figures the guide reports, in the course's terms (notebooks/STYLE.md)
    "test_accuracy": "테스트 정확도",
    "test_loss": "테스트 손실",
    "val_accuracy": "에포크별 검증 정확도",
    "logits": "예시 문장의 로짓",
    "trainable_params": "학습되는 파라미터 수",
    "total_params": "전체 파라미터 수",
    "seconds_per_epoch": "에포크당 시간(초)",
    "ms_per_step": "스텝당 시간(ms)",
}


def site_links(markdown: str, repository: str, branch: str = "main") -> str:
    """Links as the site needs them: COURSE.md is index; links that leave notebooks/ go to the
    repository's files (or become their text while it has no URL)."""
    markdown = COURSE_LINK.sub(lambda m: f"](index.md{m[1] or ''})", markdown)
    if repository:
        return OUTSIDE_LINK.sub(lambda m: f"[{m[1]}]({repository.rstrip('/')}/blob/{branch}/{m[2]})", markdown)
    return OUTSIDE_LINK.sub(lambda m: m[1], markdown)


def is_colab_cell(cell) -> bool:
    """The notebooks' first code cell that installs the course on Colab (tools/colab_first_cell.py)."""
    return cell.cell_type == "code" and "google.colab" in cell.source and "COURSE_REPO_URL" in cell.source


def figure_rows(level: int, results: dict) -> list[tuple[str, object, object]]:
    """(name, the guide's value, this run's value) for every figure the guide reports at this level."""
    reference = LEVEL_SETTINGS[level]["reference"]
    figures, history = results.get("figures", {}), results.get("history", {})
    run = {
        "test_accuracy": figures.get("test_accuracy"),
        "val_accuracy": history.get("val_sparse_categorical_accuracy"),
        "seconds_per_epoch": results.get("seconds_per_epoch"),
        "ms_per_step": results.get("ms_per_step"),
    }
    guide = {**reference, "test_accuracy": guide_test_accuracy(reference)}
    names = [name for name in FIGURE_NAMES if guide.get(name) is not None]
    names += [name for name in reference if name not in names]
    return [(name, guide.get(name), run[name] if name in run else figures.get(name)) for name in names]


def provenance_note(level: int, record: dict, results: dict) -> str:
    """The note under a lesson's title: where its outputs come from and where the guide's figures stand."""
    versions = ", ".join(f"{name} {version}" for name, version in record["versions"].items())
    commit = f"`{record['commit'][:12]}`" + (" (커밋되지 않은 수정 포함)" if record.get("dirty") else "")
    rows = "\n".join(
        f"| {FIGURE_NAMES.get(name, name)} | {format_figure(guide)} | {format_figure(run)} |"
        for name, guide, run in figure_rows(level, results)
    )
    return f"""\
```{{admonition}} 이 페이지의 출력: smoke 프로필, 합성 데이터
:class: note site-provenance

아래 출력과 그림은 강좌가 **smoke 프로필**로 실행한 결과입니다. 강좌가 만든 **합성 데이터**와
작은 프리셋에서 나온 숫자이므로 가이드의 숫자(실제 IMDB, full 프로필)와 같지 않습니다.

- 실행: 커밋 {commit}, {record["date"]}, 백엔드 `{record["backend"]}`, `model_size="{record["model_size"]}"`
- 라이브러리: {versions}
- 실행 방법: `python -m {record["runner"]}`

| 수치 | 가이드 (IMDB, full, GPU) | 이 페이지 (합성 데이터, smoke) |
|---|---|---|
{rows}
```"""


def lesson(executed: Path, level: int, record: dict, repository: str = "") -> nbformat.NotebookNode:
    """An executed notebook as its page shows it."""
    notebook = nbformat.read(executed, as_version=4)
    results_file = executed.parent / f"level{level}_results.json"
    results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.is_file() else {}
    cells = [c for c in notebook.cells if INJECTED_TAG not in c.metadata.get("tags", []) and not is_colab_cell(c)]
    title = cells[0]
    if title.cell_type != "markdown" or not title.source.startswith("# "):
        raise ValueError(f"{executed.name}: the first cell is not the '# title' markdown cell")
    heading, _, rest = title.source.partition("\n")
    note = nbformat.v4.new_markdown_cell(provenance_note(level, record, results))
    title.source = heading
    cells[1:1] = [note] + ([nbformat.v4.new_markdown_cell(rest.strip("\n"))] if rest.strip() else [])
    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = site_links(cell.source, repository)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.pop("id", None)  # the new cells have fresh ids; drop all for a stable file
    notebook.cells = cells
    notebook.metadata.pop("papermill", None)
    notebook.nbformat_minor = 4  # no cell ids: the staged file is the same bytes for the same run
    return notebook


def front_page(root: Path, lessons: list[Path], repository: str = "") -> str:
    """notebooks/COURSE.md (placeholder while it is missing) with the site's hidden table of contents."""
    course = root / "notebooks" / "COURSE.md"
    if course.is_file():
        text = course.read_text(encoding="utf-8")
    else:
        text = PLACEHOLDER.format(lessons="\n".join(f"- [{p.stem}]({p.name})" for p in lessons))
    toc = "\n".join([*(p.stem for p in lessons), "STYLE"])
    return f"{site_links(text, repository).rstrip()}\n\n```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```\n"


def _write(path: Path, data: bytes) -> None:
    """Write only what changed, so that Sphinx's incremental build leaves unchanged pages alone."""
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)


def stage(executed: dict[Path, Path], record: dict, src: Path, root: Path, repository: str = "") -> None:
    """Write the site's sources into `src`: index.md, one .ipynb per lesson, STYLE.md.

    `repository` is `[project.urls] Repository` ("" while unset): links beyond notebooks/ go there."""
    src.mkdir(parents=True, exist_ok=True)
    lessons = list(executed)
    wanted = STAGE_ONLY | {p.name for p in lessons}
    for stale in src.iterdir():
        if stale.name not in wanted:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    for original, path in executed.items():
        notebook = lesson(path, int(original.name[:2]), record, repository)
        _write(src / original.name, (nbformat.writes(notebook) + "\n").encode())
    _write(src / "index.md", front_page(root, lessons, repository).encode())
    style = (root / "notebooks" / "STYLE.md").read_text(encoding="utf-8")
    _write(src / "STYLE.md", site_links(style, repository).encode())
