"""Every notebook, as a learner runs it: JupyterLab in a real browser, Run > Run All Cells.

`make test-browser` (marker `browser`, left out of `make test`'s unit pass). Smoke profile,
tensorflow backend (`make test` runs the six as committed once per backend: torch under nbmake,
jax in the site's batch run), one JupyterLab started from the course's environment the way
`make lab` does, Debian's chromium (`apt-get install chromium fonts-noto-cjk`). A notebook fails
on any traceback or stderr block, on a missing or broken figure, when its Korean text is absent
or drawn without a CJK font, on an output wider than the output area (model summaries) in a
1280-pixel window with the file browser open, and when the level's results miss what
tests/figures.py expects. One screenshot per notebook, and a JSON summary, are kept under
tests/artifacts/browser/ (gitignored).
"""

import json
import os
from dataclasses import asdict
from pathlib import Path

import pytest
from browser_lab import CHROMIUM, WAIT_S, run_all_cells, running_lab, screenshot, tidy_up
from conftest import ROOT
from figures import check_results_file

from course_utils.layout import course_notebooks, default_results_dir, notebook_level

pytestmark = pytest.mark.browser

NOTEBOOKS = course_notebooks()
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
VIEWPORT = {"width": 1280, "height": 900}  # a laptop-sized window, file browser open
BACKEND = "tensorflow"  # the notebooks' default is jax: the site's batch run checks that one


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    env = {**os.environ, "KERAS_BACKEND": BACKEND, "COURSE_PROFILE": "smoke"}
    with running_lab(tmp_path_factory.mktemp("lab"), NOTEBOOKS, env) as lab:
        yield lab


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk (or set COURSE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: chromium's sandbox refuses to start as root, which CI is.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], timeout=WAIT_S * 1000
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def summary():
    runs = {}
    yield runs
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "summary.json").write_text(json.dumps(runs, indent=1, ensure_ascii=False))
    for name, run in runs.items():
        print(
            f"browser: {name} ran in {run['seconds']:.0f} s, {run['images']} figures, "
            f"{len(run['stderr_blocks'])} stderr blocks, fonts for Korean: {', '.join(run['hangul_fonts'])}"
        )


def clean_up(page, lab, notebook: Path) -> list[str]:
    """Screenshot, close the page, stop the kernels: every step tried, none raising."""
    return tidy_up(
        [
            ("screenshot", lambda: screenshot(page, ARTIFACTS / f"{notebook.stem}.png")),
            ("closing the page", page.close),
            ("shutting down the kernels", lab.shut_down_kernels),
        ]
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: f"{notebook_level(p):02d}")
def test_notebook_runs_clean_in_jupyterlab(notebook: Path, lab, browser, summary):
    page = browser.new_page(viewport=VIEWPORT)
    try:
        run = run_all_cells(page, lab, notebook.name)
        summary[notebook.name] = asdict(run)
    except BaseException as error:
        error.add_note("\n".join(clean_up(page, lab, notebook)))  # the run's own error goes first
        raise
    if problems := clean_up(page, lab, notebook):
        pytest.fail("\n".join(problems))
    blocks = "\n".join(f"--- cell {b['cell']}:\n{b['text']}" for b in run.stderr_blocks)
    assert not run.stderr_blocks, f"{notebook.name} shows {len(run.stderr_blocks)} stderr block(s):\n{blocks}"
    assert all(p.strip("[]:").isdigit() for p in run.prompts), f"cells left unrun: {run.prompts}"
    # The Colab cell opens folded (its metadata), so the lesson opens on its title; the rest show.
    assert run.folded_inputs == 1 and len(run.prompts) == run.code_cells - 1, (run.folded_inputs, run.code_cells)
    assert run.images >= 1 and run.broken_images == 0, f"{run.images} figures, {run.broken_images} not drawn"
    assert run.hangul_characters > 100, f"only {run.hangul_characters} Hangul characters on the page"
    assert any("CJK" in font for font in run.hangul_fonts), f"Korean heading drawn with {run.hangul_fonts}"
    assert not run.wide_outputs, f"outputs wider than the output area at {VIEWPORT['width']} px: {run.wide_outputs}"
    # Its figures, as nbmake and the site's batch run check theirs.
    assert not (wrong := check_results_file(notebook_level(notebook), default_results_dir(lab.root / "notebooks"))), (
        wrong
    )
