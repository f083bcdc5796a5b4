"""Each lesson notebook and its MyST text form (notebooks/text/NN_name.md, paired in jupytext.toml)
hold the same cells: reviewers read the text form's diff, learners open the .ipynb."""

import json
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.combine import combine_inputs_with_outputs
from jupytext.config import load_jupytext_config
from jupytext.paired_paths import paired_paths

from course_utils.layout import NOTEBOOK_DIR, ROOT, course_notebooks

NOTEBOOKS = course_notebooks()
FIX = (
    "run `make sync-text` (or `.venv/bin/jupytext --sync notebooks/*.ipynb`) and commit both files; "
    "the more recently edited of the two wins"
)


def text_form(notebook: Path) -> tuple[Path, dict, object]:
    """The text form's path and jupytext format for `notebook`, as jupytext.toml pairs them."""
    config = load_jupytext_config(str(notebook.resolve()))
    formats = config.default_formats(str(notebook.resolve())) if config else None
    assert formats, f"jupytext.toml at the repository root does not pair {notebook.name} with a text form"
    ((path, fmt),) = [
        (Path(p), f) for p, f in paired_paths(str(notebook.resolve()), "ipynb", formats) if f["extension"] != ".ipynb"
    ]
    return path, fmt, config


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_text_form_matches_its_notebook(notebook: Path):
    path, fmt, config = text_form(notebook)
    shown = path.relative_to(ROOT)
    assert path.is_file(), f"{notebook.name} has no text form {shown}: {FIX}"
    expected = jupytext.writes(jupytext.read(notebook), fmt=fmt, config=config)
    assert path.read_text(encoding="utf-8") == expected, (
        f"{shown} and {notebook.name} differ (one was edited without syncing): {FIX}"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_text_form_round_trips_to_the_committed_notebook(notebook: Path):
    """Syncing from the text form rebuilds the .ipynb byte for byte: the text form loses nothing
    a learner's file has (metadata, the `parameters` tag, cell ids kept by the pairing)."""
    path, fmt, config = text_form(notebook)
    committed = notebook.read_text(encoding="utf-8")
    rebuilt = combine_inputs_with_outputs(
        jupytext.read(path, fmt=fmt, config=config), nbformat.reads(committed, as_version=4), fmt=fmt
    )
    rebuilt.metadata.pop("jupytext", None)  # as jupytext --sync writes the .ipynb
    assert json.loads(nbformat.writes(rebuilt)) == json.loads(committed), (
        f"{path.relative_to(ROOT)} does not rebuild {notebook.name} exactly: {FIX}"
    )


def test_every_text_form_has_its_notebook():
    paired = {text_form(notebook)[0] for notebook in NOTEBOOKS}
    stray = sorted(str(p.relative_to(ROOT)) for p in (NOTEBOOK_DIR / "text").glob("*") if p not in paired)
    assert not stray, (
        f"text forms without a lesson notebook: {stray}; delete them, or create the notebook "
        f"with `.venv/bin/jupytext --sync <text form>`"
    )
