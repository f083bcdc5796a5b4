"""The notebooks' Colab cell and the README's Open-in-Colab links, built from one URL.

The repository's URL lives in one place: `[project.urls] Repository` in pyproject.toml
(absent while the repository has no public address). `tools/colab_first_cell.py` is the
cell; its form field's default is that URL. Run

    .venv/bin/python tools/colab_cell.py

to write the cell (folded by its metadata) into cell 1 of every notebook; `--readme` prints the README's link lines.
tests/test_colab.py checks that the notebooks and README agree with this file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import tomllib

from course_utils.runner import course_notebooks

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "tools" / "colab_first_cell.py"
NOTEBOOKS = course_notebooks()
CELL_INDEX = 1  # after the title; before the parameters cell
# Folded everywhere: Colab shows the title and the form field only, JupyterLab hides the source,
# and the course site leaves the cell out.
CELL_METADATA = {"cellView": "form", "jupyter": {"source_hidden": True}, "tags": ["remove-cell"]}
FORM_FIELD = re.compile(r'^COURSE_REPO_URL = "(.*)"  # @param \{type:"string"\}$', re.MULTILINE)
GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")
NO_URL = (
    "This repository has no public URL yet (`[project.urls] Repository` in pyproject.toml is "
    "not set), so there are no Open-in-Colab links. Once it is published: set that URL, run "
    "`.venv/bin/python tools/colab_cell.py` (the notebooks' cell) and put the lines that "
    "`.venv/bin/python tools/colab_cell.py --readme` prints here."
)


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """`[project.urls] Repository`, or "" when it is not set."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return project.get("urls", {}).get("Repository", "")


def cell_source(url: str) -> str:
    """The Colab cell with `url` as its form field's default."""
    if '"' in url or "\\" in url or "\n" in url:
        raise ValueError(f"repository URL {url!r} may not contain quotes, backslashes or newlines")
    source, count = FORM_FIELD.subn(
        lambda _: f'COURSE_REPO_URL = "{url}"  # @param {{type:"string"}}', TEMPLATE.read_text(encoding="utf-8")
    )
    if count != 1:
        raise ValueError(f"{TEMPLATE} must have exactly one COURSE_REPO_URL form field, found {count}")
    return source.rstrip("\n")


def form_default(source: str) -> str:
    """The default of the COURSE_REPO_URL form field in a cell's source."""
    match = FORM_FIELD.search(source)
    if match is None:
        raise ValueError("no COURSE_REPO_URL form field in this cell")
    return match.group(1)


def colab_links(url: str, branch: str = "main") -> list[str]:
    """README lines: one Open-in-Colab link per notebook, or why there are none."""
    match = GITHUB.match(url)
    if not url:
        return [NO_URL]
    if match is None:
        return [
            f"Colab opens notebooks from GitHub only; {url} is not a GitHub repository, so there "
            "are no Open-in-Colab links: open a notebook in Colab by upload instead."
        ]
    owner, repo = match.groups()
    return [
        f"- [{path.name}](https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/notebooks/{path.name})"
        for path in NOTEBOOKS
    ]


def write_notebooks(url: str, notebooks=NOTEBOOKS) -> list[Path]:
    """Put the cell into cell CELL_INDEX of each notebook (which must be a Colab cell already)."""
    import nbformat

    changed = []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        cell = notebook.cells[CELL_INDEX]
        if cell.cell_type != "code" or "google.colab" not in cell.source:
            raise ValueError(f"{path.name}: cell {CELL_INDEX} is not the Colab cell; not touching it")
        if cell.source != cell_source(url) or cell.metadata != CELL_METADATA:
            cell.source = cell_source(url)
            cell.metadata = nbformat.from_dict(CELL_METADATA)
            nbformat.write(notebook, path)
            changed.append(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="print the README's Colab lines instead")
    args = parser.parse_args(argv)
    url = repository_url()
    if args.readme:
        print("\n".join(colab_links(url)))
        return 0
    changed = write_notebooks(url)
    print(
        f"Colab cell (repository URL {url or 'not set'}) written to {len(changed)} notebook(s):",
        *(path.name for path in changed),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
