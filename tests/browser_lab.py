"""JupyterLab started from the course's environment, driven in Debian's chromium by Playwright.

Used by tests/test_browser.py (`make test-browser`). The browser is the system's
(`apt-get install chromium fonts-noto-cjk`): Playwright's own browser download cannot
run here. Notebooks are copied to a scratch folder first, so JupyterLab's autosave never
writes outputs into the committed ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.environment import chromium

CHROMIUM = chromium()
# The notebook on show (a restored workspace may hold hidden ones too).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STDERR_MIME = "application/vnd.jupyter.stderr"  # JupyterLab renders stderr streams and tracebacks with it
# Lab settings for a test run: every cell stays in the DOM (no windowing), no news pop-up.
LAB_SETTINGS = {
    # autoStartDefaultKernel: a learner's "Always start the preferred kernel", so a slow kernel
    # connection on a loaded machine never stops the run at the Select Kernel dialog.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
# Environment a learner's `make lab` would not have: pytest's, and the test suite's own log level.
DROPPED_ENV = ("COURSE_RESULTS_DIR", "TF_CPP_MIN_LOG_LEVEL", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST")
# Waits are bounded by silence, not by the clock (on a busy machine a correct run outlived
# fixed bounds). A step fails when nothing on the page moves for STALL_S: no cell finished, no output
# grew. Page loads, the kernel's start and API calls get WAIT_S each, ample at load 10; the server's
# start fails only after WAIT_S in which it neither answered nor wrote to its log.
STALL_S = 900
WAIT_S = 600


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def api(self, method: str, path: str):
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=WAIT_S) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_lab(root: Path, notebooks: list[Path], env: dict[str, str], start_silence: float = WAIT_S):
    """JupyterLab on a free loopback port, with a token, rooted at `root` holding copies of `notebooks`."""
    (root / "notebooks").mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy(notebook, root / "notebooks" / notebook.name)
    settings = root / ".lab" / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    token, port = secrets.token_hex(16), free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root without it (CI runs as root)
    environment = {k: v for k, v in env.items() if k not in DROPPED_ENV}
    environment.update(
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(root / ".lab" / "ws"),
        JUPYTER_CONFIG_DIR=str(root / ".lab" / "config"),
    )
    log = root / ".lab" / "server.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(command, cwd=root, env=environment, stdout=log_file, stderr=subprocess.STDOUT)
    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log)
    try:
        _wait_until_up(lab, server, start_silence)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(lab: Lab, server: subprocess.Popen, silence: float) -> None:
    """Until the server answers; it fails when it exits, or when for `silence` seconds it neither
    answers nor adds to its log (a start that is slow on a busy machine still logs as it goes)."""
    logged, moved = -1, time.monotonic()
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{lab.log.read_text()[-3000:]}")
        try:
            lab.api("GET", "/api/status")
            return
        except OSError:
            pass
        if (size := lab.log.stat().st_size) != logged:
            logged, moved = size, time.monotonic()
        elif time.monotonic() - moved > silence:
            raise RuntimeError(
                f"JupyterLab neither answered nor logged anything for {silence:.0f} s:\n{lab.log.read_text()[-3000:]}"
            )
        time.sleep(0.5)


@dataclass
class NotebookRun:
    """What the browser showed after Run All Cells."""

    name: str
    seconds: float
    code_cells: int
    prompts: list[str]  # the execution counts of the cells whose input shows
    folded_inputs: int = 0  # code cells whose input JupyterLab shows collapsed (jupyter.source_hidden)
    stderr_blocks: list[dict] = field(default_factory=list)  # {"cell": index, "text": ...}
    images: int = 0
    broken_images: int = 0
    hangul_characters: int = 0
    hangul_fonts: list[str] = field(default_factory=list)  # platform fonts that drew a Korean heading
    wide_outputs: list[dict] = field(default_factory=list)  # outputs wider than the output area


_STARTED_JS = (
    """
() => [...document.querySelectorAll('%s .jp-CodeCell .jp-InputArea-prompt')]
  .some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))
"""
    % PANEL
)
DIALOG_ACCEPT = ".jp-Dialog .jp-mod-accept"  # e.g. Select Kernel's "Select": what a learner would click

# Done when no cell is queued or running and either every code cell ran or a cell failed
# (Run All stops at an error, leaving the cells after it unnumbered).
_FINISHED_JS = """
() => {
  const prompts = [...document.querySelectorAll('%s .jp-CodeCell .jp-InputArea-prompt')]
    .map(e => e.textContent.trim());
  if (prompts.length === 0 || prompts.some(p => p.includes('*'))) return false;
  const failed = document.querySelector('%s .jp-OutputArea-output[data-mime-type="%s"]') !== null;
  return failed || prompts.every(p => /\\[\\d+\\]/.test(p));
}
""" % (PANEL, PANEL, STDERR_MIME)

# What moves while a notebook runs: cells numbered, outputs written (Keras' progress bar included).
_PROGRESS_JS = (
    """
() => {
  const notebook = document.querySelector('%s .jp-Notebook');
  if (!notebook) return 'no notebook';
  const prompts = [...notebook.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent.trim());
  const outputs = [...notebook.querySelectorAll('.jp-OutputArea-output')];
  return prompts.join('') + '|' + outputs.length + '|' + outputs.reduce((n, o) => n + o.textContent.length, 0);
}
"""
    % PANEL
)

_REPORT_JS = """
() => {
  const notebook = document.querySelector('%s .jp-Notebook');
  const cells = [...notebook.querySelectorAll('.jp-Cell')];
  const code = cells.filter(c => c.classList.contains('jp-CodeCell'));
  const stderr = [];
  cells.forEach((cell, index) => cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="%s"]')
    .forEach(o => stderr.push({cell: index, text: o.innerText.slice(0, 2000)})));
  const images = [...notebook.querySelectorAll('.jp-OutputArea-output img')];
  const wide = [];
  cells.forEach((cell, index) => cell.querySelectorAll('.jp-OutputArea-output pre').forEach(pre => {
    if (pre.scrollWidth > pre.clientWidth + 1)
      wide.push({cell: index, width: pre.scrollWidth, visible: pre.clientWidth,
                 first_line: pre.innerText.split('\\n')[0].slice(0, 120)});
  }));
  const text = notebook.innerText;
  return {
    code_cells: code.length,
    prompts: code.filter(c => c.querySelector('.jp-InputArea-prompt'))
      .map(c => c.querySelector('.jp-InputArea-prompt').textContent.trim()),
    folded_inputs: code.filter(c => c.querySelector('.jp-InputPlaceholder')).length,
    stderr_blocks: stderr,
    images: images.length,
    broken_images: images.filter(i => !(i.complete && i.naturalWidth > 0)).length,
    hangul_characters: (text.match(/[\\uac00-\\ud7a3]/g) || []).length,
    wide_outputs: wide,
  };
}
""" % (PANEL, STDERR_MIME)


def _started(page, seconds: float = 30) -> bool:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(_STARTED_JS, timeout=seconds * 1000, polling=200)
        return True
    except PlaywrightTimeout:
        return False


def run_all(page, attempts: int = 3) -> None:
    """Run > Run All Cells, until the cells show as queued or run. On a loaded machine a menu click
    can be lost (JupyterLab marks queued cells [*] at once, so no [*] after a minute means it was)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        if page.is_visible(DIALOG_ACCEPT):
            page.click(DIALOG_ACCEPT)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-item:has(.lm-Menu-itemLabel:text-is('Run All Cells'))")
        try:
            page.wait_for_function(_STARTED_JS, timeout=60_000, polling=200)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            if page.is_visible(DIALOG_ACCEPT):
                page.click(DIALOG_ACCEPT)  # a dialog held the run: accept it, the queued cells go on
                if _started(page):
                    return
            else:
                page.keyboard.press("Escape")  # close a menu left open


def run_all_cells(page, lab: Lab, name: str) -> NotebookRun:
    """Open notebooks/<name>, wait for its kernel, Run > Run All Cells, wait until it has finished."""
    page.set_default_timeout(WAIT_S * 1000)  # Playwright's 30 s is too short for JupyterLab on a busy machine
    page.goto(f"{lab.url}/lab/tree/notebooks/{name}?reset&token={lab.token}")  # reset: no restored tabs
    page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-CodeCell")
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.click(f"{PANEL} .jp-Notebook .jp-Cell >> nth=0")  # the notebook must be the current widget for the Run menu
    start = time.monotonic()
    run_all(page)
    wait_while_moving(page, _FINISHED_JS, f"{name} to finish Run All Cells")
    seconds = time.monotonic() - start
    return NotebookRun(name=name, seconds=seconds, hangul_fonts=hangul_fonts(page), **page.evaluate(_REPORT_JS))


def wait_while_moving(page, done_js: str, what: str, stall_s: float = STALL_S, poll_s: float = 2.0) -> None:
    """Wait until `done_js` is true, however long it takes, as long as the notebook keeps moving;
    fail when nothing moved for `stall_s` (a stuck kernel or a lost click, not a busy machine)."""
    last, moved = None, time.monotonic()
    while not page.evaluate(done_js):
        now = page.evaluate(_PROGRESS_JS)
        if now != last:
            last, moved = now, time.monotonic()
        elif time.monotonic() - moved > stall_s:
            raise TimeoutError(f"waiting for {what}: nothing on the page changed for {stall_s:.0f} s")
        page.wait_for_timeout(poll_s * 1000)


def hangul_fonts(page) -> list[str]:
    """Platform fonts Chromium drew the first Korean markdown heading with (empty: no such heading)."""
    return platform_fonts(
        page,
        page.evaluate_handle(
            f"() => [...document.querySelectorAll('{PANEL} .jp-RenderedMarkdown :is(h1, h2)')]"
            ".find(h => /[\\uac00-\\ud7a3]/.test(h.textContent)) || null"
        ),
    )


def platform_fonts(page, handle) -> list[str]:
    """Platform fonts Chromium drew an element's text with (DevTools' per-node query); empty for null."""
    if handle.json_value() is None:
        return []
    page.evaluate("(h) => h.setAttribute('data-hangul-probe', '1')", handle)
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-hangul-probe]"})["nodeId"]
        # The heading's text is a child text node: ask for the fonts of the element's subtree's text.
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    except BaseException:
        with contextlib.suppress(Exception):  # the query's own error goes first, not the detach's
            cdp.detach()
        raise
    cdp.detach()
    return sorted({f["familyName"] for f in fonts if f.get("glyphCount", 0) > 0})


def screenshot(page, path: Path, max_height: int = 20000) -> None:
    """The whole notebook in one picture: the viewport is stretched to the notebook's height (the
    window as it is when no notebook is on show, e.g. after a failed page load)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    outer = f"{PANEL} .jp-WindowedPanel-outer"
    height = page.evaluate(f"() => document.querySelector('{outer}')?.scrollHeight ?? null")
    if height is not None:
        width = page.viewport_size["width"]
        page.set_viewport_size({"width": width, "height": min(max_height, height + 160)})
        page.evaluate(f"() => {{ document.querySelector('{outer}').scrollTop = 0; }}")
        page.wait_for_timeout(1000)
    page.screenshot(path=str(path))


def tidy_up(steps: list[tuple[str, object]]) -> list[str]:
    """Run every clean-up step, whatever fails; return what failed. A test's own error must not be
    replaced by one from its clean-up (a screenshot in a `finally` once hid why runs failed)."""
    problems = []
    for what, step in steps:
        try:
            step()
        except Exception as error:  # noqa: BLE001 - reported, never raised over the test's own error
            problems.append(
                f"{what} failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            )
    return problems
