"""The course's website (tools/build_site.py, site/conf.py).

Unit tests (fast): staging drops papermill's injected cell and the Colab cell and puts the
provenance note under each title; the execution key changes with the sources and nothing else;
Colab launch buttons exist only once `[project.urls] Repository` names a GitHub repository.

`make test-site` (marker `browser`, left out of the unit pass): builds the site (reusing the
executed notebooks while their sources are unchanged), serves it on 127.0.0.1 and opens every
page in Debian's chromium: no console error, no request beyond 127.0.0.1 (blocked and recorded),
every image drawn, Hangul in a CJK font, answers folded until clicked, copy buttons on code,
Pagefind finding two-syllable Korean words, and LinkChecker finding no broken link or image
offline. One screenshot per page goes to tests/artifacts/site/ (gitignored).
"""

from __future__ import annotations

import csv
import functools
import json
import os
import runpy
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, urlparse

import nbformat
import pytest
from browser_lab import WAIT_S, platform_fonts
from conftest import ROOT
from watched import run_watched

sys.path.insert(0, str(ROOT))
from course_utils.config import LEVEL_SETTINGS, format_figure, guide_test_accuracy  # noqa: E402
from course_utils.layout import course_notebooks  # noqa: E402
from tools import build_site, site_stage  # noqa: E402

NOTEBOOKS = course_notebooks()
ARTIFACTS = ROOT / "tests" / "artifacts" / "site"
PAGES = ["index", *(nb.stem for nb in NOTEBOOKS), "STYLE", "search"]
RECORD = {
    "source_hash": "0" * 64,
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "dirty": False,
    "date": "2026-12-01 10:00 UTC",
    "profile": "smoke",
    "backend": "jax",
    "model_size": "tiny",
    "versions": {"keras": "3.15.1", "keras-hub": "0.32.0"},
    "runner": "python -m course_utils run --profile smoke --backends jax",
}


def fake_execution(tmp_path: Path, notebook: Path) -> Path:
    """The committed notebook as papermill leaves it: an injected-parameters cell after `parameters`."""
    executed = nbformat.read(notebook, as_version=4)
    index = next(i for i, c in enumerate(executed.cells) if "parameters" in c.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell('# Parameters\nbackend = "jax"\n', metadata={"tags": ["injected-parameters"]})
    executed.cells.insert(index + 1, injected)
    path = tmp_path / notebook.name
    nbformat.write(executed, path)
    level = int(notebook.name[:2])
    figures = {"test_accuracy": 0.5123, "total_params": 1234}
    (tmp_path / f"level{level}_results.json").write_text(json.dumps({"figures": figures, "history": {}}))
    return path


# ---------------------------------------------------------------- unit tests


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_lesson_page_drops_injected_and_colab_cells_and_notes_its_provenance(tmp_path, notebook):
    page = site_stage.lesson(fake_execution(tmp_path, notebook), int(notebook.name[:2]), RECORD)
    sources = [c.source for c in page.cells]
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in page.cells)
    assert not any("google.colab" in s for s in sources), "the Colab cell shows on the page"
    assert any("parameters" in c.metadata.get("tags", []) for c in page.cells), "the parameters cell is gone"
    assert page.cells[0].source.startswith("# ") and "\n" not in page.cells[0].source
    note = page.cells[1].source
    for fact in ("smoke", "합성 데이터", RECORD["commit"][:12], RECORD["date"], "`jax`", "keras 3.15.1"):
        assert fact in note, f"{fact!r} missing from the provenance note"
    guide = format_figure(site_stage.figure_rows(int(notebook.name[:2]), {})[0][1])
    assert guide in note, "the guide's own figure is not beside the run's"
    assert "0.5123" in note or "test_accuracy" not in LEVEL_SETTINGS[int(notebook.name[:2])]["reference"]
    # The rest of the title cell follows the note; no text is lost.
    original = nbformat.read(notebook, as_version=4).cells[0].source
    assert (page.cells[0].source + "\n\n" + page.cells[2].source).split() == original.split()


def test_links_leaving_notebooks_go_to_the_repository_or_become_text_and_course_md_is_the_front_page():
    text = "see [BENCHMARKS.md](../BENCHMARKS.md) and [01](01_x.ipynb)"
    assert site_stage.site_links(text, "") == "see BENCHMARKS.md and [01](01_x.ipynb)"
    assert site_stage.site_links(text, "https://github.com/o/r") == (
        "see [BENCHMARKS.md](https://github.com/o/r/blob/main/BENCHMARKS.md) and [01](01_x.ipynb)"
    )
    course = "[강좌](COURSE.md), [표](COURSE.md#프로필)"
    assert site_stage.site_links(course, "") == "[강좌](index.md), [표](index.md#프로필)"


def test_front_page_is_course_md_with_the_table_of_contents(tmp_path):
    (tmp_path / "notebooks").mkdir()
    placeholder = site_stage.front_page(tmp_path, NOTEBOOKS)
    assert placeholder.startswith("# ") and all(nb.name in placeholder for nb in NOTEBOOKS)
    (tmp_path / "notebooks" / "COURSE.md").write_text("# 강좌\n\n본문\n", encoding="utf-8")
    page = site_stage.front_page(tmp_path, NOTEBOOKS)
    assert page.startswith("# 강좌\n\n본문\n") and ":hidden:" in page
    assert page.index(NOTEBOOKS[0].stem) < page.index(NOTEBOOKS[-1].stem) < page.index("STYLE")


def _tree(tmp_path: Path) -> Path:
    for part in ("notebooks", "course_utils"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("results", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_dependency_versions_are_the_installed_ones():
    versions = build_site.dependency_versions()
    assert versions["keras"] == metadata.version("keras") and "keras-hub" in versions and "jax" in versions


def test_execution_key_follows_notebooks_course_utils_and_library_versions_only(tmp_path):
    root, versions = _tree(tmp_path), {"keras": "1"}
    key = build_site.source_hash(root, versions)
    (root / "README.md").write_text("not a source of the outputs")
    (root / "notebooks" / "results").mkdir()
    (root / "notebooks" / "results" / "level1_results.json").write_text("{}")  # a learner's run
    assert build_site.source_hash(root, versions) == key
    assert build_site.source_hash(root, {"keras": "2"}) != key, "a library upgrade must re-execute"
    for path in ("pyproject.toml", "notebooks/STYLE.md", "notebooks/COURSE.md", "notebooks/text/01_x.md"):
        (root / path).parent.mkdir(exist_ok=True)
        with open(root / path, "a", encoding="utf-8") as edited:
            edited.write("\n")  # executed by no notebook: the pages read them fresh at every build
    assert build_site.source_hash(root, versions) == key, "an edit that changes no output re-executed"
    for path in ("course_utils/config.py", "notebooks/01_inference_pretrained_classifier.ipynb"):
        with open(root / path, "a", encoding="utf-8") as edited:
            edited.write("\n")
        assert build_site.source_hash(root, versions) != key, f"an edit of {path} kept the old outputs"
        key = build_site.source_hash(root, versions)


def test_outputs_are_reused_only_under_the_same_key(tmp_path):
    runs = tmp_path / "runs"
    executed = build_site.executed_notebooks(runs, NOTEBOOKS)
    for path in executed.values():
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    assert not build_site.fresh(runs, NOTEBOOKS, "a"), "no record: the outputs are of unknown sources"
    (runs / build_site.RECORD).write_text(json.dumps({**RECORD, "source_hash": "a"}))
    assert build_site.fresh(runs, NOTEBOOKS, "a")
    assert not build_site.fresh(runs, NOTEBOOKS, "b")
    next(iter(executed.values())).unlink()
    assert not build_site.fresh(runs, NOTEBOOKS, "a")


def test_colab_launch_buttons_only_with_a_github_repository_url():
    conf = runpy.run_path(str(ROOT / "site" / "conf.py"))
    assert conf["language"] == "ko" and conf["nb_execution_mode"] == "off"
    assert "launch_buttons" not in conf["theme_options"]("")
    assert "launch_buttons" not in conf["theme_options"]("https://gitlab.com/o/r")
    options = conf["theme_options"]("https://github.com/o/r")
    assert options["repository_url"] == "https://github.com/o/r" and options["path_to_docs"] == "notebooks"
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


# ---------------------------------------------------------------- the built site in a browser

# The first element in the page's text with Hangul in a text node of its own (what the fonts query reads).
HANGUL_FONTS_JS = """() => {
  const text = document.querySelector('article.bd-article') || document.querySelector('main');
  return [...text.querySelectorAll('h1, h2, h3, p, td, li, summary')].find(e => [...e.childNodes].some(
    n => n.nodeType === Node.TEXT_NODE && /[\\uac00-\\ud7a3]/.test(n.textContent))) || null;
}"""
PAGE_JS = """() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const code = [...article.querySelectorAll('div.highlight')].filter(d => !d.closest('.cell_output, .output'));
  return {
    images: [...document.images].map(i => ({src: i.getAttribute('src'), width: i.naturalWidth})),
    details: [...article.querySelectorAll('details:not(.above-input):not(.below-input)')].map(d => d.open),
    code_blocks: code.length,
    without_copy: code.filter(d => !d.querySelector('button.copybtn')).length,
    hangul: (article.innerText.match(/[\\uac00-\\ud7a3]/g) || []).length,
    provenance: (article.querySelector('.site-provenance') || {}).innerText || '',
    colab_links: [...document.querySelectorAll('a[href*="colab.research.google.com"]')].map(a => a.href),
    // Markdown left unparsed (a fence swallowed by an HTML block: <details> without a blank line after it).
    raw_fences: [...article.querySelectorAll('p, details')].filter(e => /^\\s*```/m.test(e.innerText)).length,
  };
}"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_html():
    """The site as `make site` builds it (the executed notebooks are reused while their sources stand)."""
    build_site.build(build_site.DEFAULT_OUT)
    return build_site.DEFAULT_OUT / "html"


@pytest.fixture(scope="module")
def server(site_html):
    handler = functools.partial(_QuietHandler, directory=str(site_html))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from course_utils.environment import chromium

    if not chromium().exists():
        pytest.fail(f"{chromium()} not found: apt-get install -y chromium fonts-noto-cjk (or set COURSE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium()), args=["--no-sandbox"], timeout=WAIT_S * 1000
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def summary():
    """What each page showed, kept as tests/artifacts/site/summary.json and printed (pytest -s)."""
    pages = {}
    yield pages
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "summary.json").write_text(json.dumps(pages, indent=1, ensure_ascii=False), encoding="utf-8")
    for name, facts in pages.items():
        print(
            f"site: {name}: {len(facts['images'])} images, {len(facts['details'])} folded answers, "
            f"{facts['code_blocks']} code blocks, Hangul in {', '.join(facts['fonts'])}"
        )


@pytest.fixture
def page(browser, server):
    """A page whose requests beyond the site's server are blocked and recorded, as are console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_S * 1000)  # a page of a busy machine's site, as in browser_lab
    page = context.new_page()
    page.outside, page.errors = [], []

    def route(route):
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and page.errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"page error: {e}"))
    yield page
    context.close()


def hangul_fonts(page) -> list[str]:
    """Platform fonts Chromium drew the page's first Korean h1 with (the JupyterLab test's probe)."""
    return platform_fonts(page, page.evaluate_handle(HANGUL_FONTS_JS))


def screenshot_after(page, name: str, check) -> None:
    """Run `check`, then keep a full-page screenshot; a screenshot's failure never hides the check's."""
    failed = False
    try:
        check()
    except BaseException:
        failed = True
        raise
    finally:
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception:
            if not failed:
                raise


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_and_reads_well(page, server, summary, name):
    lesson = name[:2].isdigit()

    def check():
        page.goto(f"{server}/{name}.html", wait_until="networkidle")
        facts = page.evaluate(PAGE_JS)
        assert not page.errors, page.errors[0]
        assert not page.outside, f"requests beyond 127.0.0.1: {page.outside}"
        broken = [i["src"] for i in facts["images"] if not i["width"]]
        assert not broken, f"images not drawn: {broken}"
        assert facts["hangul"] >= 2, f"{facts['hangul']} Hangul characters"
        fonts = hangul_fonts(page)
        summary[name] = {**facts, "fonts": fonts}
        assert any("CJK" in font for font in fonts), f"Korean text drawn with {fonts}"
        assert facts["without_copy"] == 0, (
            f"{facts['without_copy']} of {facts['code_blocks']} code blocks lack a copy button"
        )
        assert not facts["raw_fences"], (
            f"{facts['raw_fences']} code fences shown as text (no blank line after <details>?)"
        )
        url = build_site.repository_url()
        if not (lesson and url):
            assert not facts["colab_links"], (
                f"Colab links without a repository URL or off a lesson: {facts['colab_links'][:2]}"
            )
        else:  # the launch button opens this very notebook from the repository named in pyproject.toml
            owner_repo = url.removeprefix("https://github.com/").removesuffix(".git").strip("/")
            expected = f"https://colab.research.google.com/github/{owner_repo}/blob/main/notebooks/{name}.ipynb"
            assert expected in facts["colab_links"], f"no {expected} among {facts['colab_links']}"
        if lesson:
            assert facts["images"], "a lesson page without a figure"
            assert facts["code_blocks"] > 5
            for fact in ("smoke", "합성 데이터", "jax", "keras-hub", "가이드"):
                assert fact in facts["provenance"], f"{fact!r} missing from the note under the title"
            assert facts["details"] and not any(facts["details"]), f"answers not folded: {facts['details']}"
            answer = page.locator("article details > summary").first
            answer.scroll_into_view_if_needed()
            answer.click()
            assert page.evaluate("() => document.querySelector('article details').open"), "an answer did not open"

    screenshot_after(page, name, check)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("word", ["리뷰", "학습"])
def test_search_finds_two_syllable_korean_words(page, server, word):
    def check():
        page.goto(f"{server}/search.html?q={quote(word)}", wait_until="networkidle")
        results = page.locator(".pagefind-ui__result")
        results.first.wait_for(state="visible")
        assert results.count() > 0
        assert not page.errors, page.errors[0]
        assert not page.outside, f"requests beyond 127.0.0.1: {page.outside}"
        first = results.first.locator("a").first.get_attribute("href")
        assert urlparse(first).path.endswith(".html"), first

    screenshot_after(page, f"search-{word}", check)


@pytest.mark.browser
@pytest.mark.slow
def test_no_broken_link_or_image_offline(site_html, tmp_path):
    """LinkChecker walks the whole site from index.html as files; links off the site are checked for syntax only."""
    linkchecker = Path(sys.executable).with_name("linkchecker")
    env = {**os.environ, "HOME": str(tmp_path)}  # its config and cache in a scratch home
    # Silent until it ends (--no-status): the watch's silence bound is a hang-only bound here.
    done = run_watched([str(linkchecker), "--no-status", "--no-warnings", str(site_html / "index.html")], env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 errors found" in done.stdout or "no errors" in done.stdout.lower(), done.stdout[-2000:]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_site_outputs_are_a_checked_jax_run_of_these_sources(site_html, notebook):
    """The site's batch run counts as the suite's jax smoke run: current sources, no stderr, the figures hold.

    Papermill injects only the grid's values, which are the course's defaults, so the run
    executes what a learner's Run All does as committed."""
    from figures import check_results_file
    from nbmake_stderr import stderr_blocks

    from course_utils.config import DEFAULTS

    runs = site_html.parent / "runs"
    record = build_site.read_record(runs)
    assert record["source_hash"] == build_site.source_hash(), "the site shows outputs of other sources"
    executed = build_site.executed_notebooks(runs, [notebook])[notebook]
    cells = nbformat.read(executed, as_version=4).cells
    injected = [c.source for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected == ["# Parameters\n" + "".join(f'{k} = "{DEFAULTS[k]}"\n' for k in build_site.GRID)]
    assert not stderr_blocks({"cells": cells}), stderr_blocks({"cells": cells})[0]
    assert not [o for c in cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not (wrong := check_results_file(int(notebook.name[:2]), executed.parent)), wrong
    page = (site_html / f"{notebook.stem}.html").read_text(encoding="utf-8")
    assert record["commit"][:12] in page and "site-provenance" in page


@pytest.mark.browser
@pytest.mark.slow
def test_site_run_is_a_full_grid_with_its_report(site_html):
    """The site's execution is also the runner's six-notebook grid (the suite's one grid of real
    notebooks; test_runner checks the runner's side on stand-ins): its report and per-epoch lines."""
    runs = site_html.parent / "runs"
    summary = (runs / "summary.md").read_text(encoding="utf-8")
    assert f"{len(NOTEBOOKS)} of {len(NOTEBOOKS)} runs ok" in summary and "SYNTHETIC" in summary
    assert "- data: synthetic reviews generated by the course (seed 42) (level 1, 2, 3, 4, 5, 6)" in summary
    assert "- presets: classifier: built by the course from synthetic data" in summary
    assert (runs / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    with open(runs / "summary.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(int(row["level"]), row["status"]) for row in rows] == [(level, "ok") for level in range(1, 7)]
    for row in rows:
        level = int(row["level"])
        assert float(row["guide_accuracy"]) == guide_test_accuracy(LEVEL_SETTINGS[level]["reference"])
        if level != 5:  # level 5's is masked-LM accuracy
            assert float(row["test_accuracy"]) > 0.5, row
        if level > 1:  # the training levels: the step is a part of the epoch
            assert 0 < float(row["ms_per_step"]) < 1000 * float(row["seconds_per_epoch"]), row
    level6 = build_site.executed_notebooks(runs, NOTEBOOKS[-1:])[NOTEBOOKS[-1]]
    cells = nbformat.read(level6, as_version=4).cells
    outputs = ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])]
    epochs = [line.split(":")[0] for text in outputs for line in text.splitlines() if line.startswith("epoch ")]
    count = LEVEL_SETTINGS[6]["smoke"]["epochs"]
    assert epochs == [f"epoch {i}/{count}" for i in range(1, count + 1)], "not one progress line per epoch"


@pytest.mark.browser
@pytest.mark.slow
def test_the_theme_search_box_leads_to_pagefind_results(page, server):
    """A learner's path: the search button on a page, a Korean word, Enter, results."""

    def check():
        page.goto(f"{server}/index.html", wait_until="networkidle")
        page.locator("button.search-button-field").first.click()
        field = page.locator("form.bd-search input[name=q]:visible").first
        field.fill("학습")
        field.press("Enter")
        page.wait_for_url("**/search.html?q=*")
        page.locator(".pagefind-ui__result").first.wait_for(state="visible")
        assert not page.errors, page.errors[0]
        assert not page.outside, f"requests beyond 127.0.0.1: {page.outside}"

    screenshot_after(page, "search-box", check)
