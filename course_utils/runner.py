"""Batch runner: a grid of notebooks x backends x model sizes through papermill, and its report.

Every notebook runs in a papermill process of its own session, with its output written as it
goes (papermill saves the notebook at every cell; its log goes straight to a file). Stopping a run
-- its timeout, or Ctrl-C / SIGTERM for the whole grid -- asks papermill to stop, then kills
whatever is left of its process tree, the kernel included (jupyter starts kernels in sessions of
their own, so a process group alone would miss them). On Ctrl-C, notebooks not started are
cancelled, and the report is written with the unfinished runs marked "interrupted".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tqdm.auto import tqdm

from .config import RUN_PARAMETERS, CourseConfigError, RunParams, level_runs_at, resolve_params
from .environment import COURSE_PROGRESS_FILE, COURSE_RESULTS_DIR
from .layout import notebook_level, results_file

DEFAULT_TIMEOUT = 1800.0  # seconds per notebook
DEFAULT_WORKERS = 2  # notebooks run at once: the course's 2-core machines
KERNEL_START_GAP = 3.0  # seconds between kernel launches, so that starts do not race
STOP_GRACE = 10.0  # seconds papermill gets to shut its kernel down before the tree is killed
KERNEL_START_SECONDS = 600  # a hang bound: papermill's default 60 s can pass while a busy machine starts a kernel
POLL = 0.5  # seconds between checks of a running notebook
GRID_PARAMETERS = ("backend", "profile", "model_size")  # set per run by the grid, not by extra parameters


def default_root() -> Path:
    """Where a grid's report goes unless told: runs/<date-time> under the working directory."""
    return Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")


@dataclass
class Run:
    """One cell of the grid and what became of it."""

    notebook: Path
    backend: str
    model_size: str
    profile: str
    directory: Path
    extra_parameters: dict = field(default_factory=dict)  # the grid's other notebook parameters, as given
    params: RunParams | None = None  # all of them, validated
    status: str = "pending"  # pending, running, ok, failed, timeout, interrupted
    error: str = ""
    started: float | None = None  # time.monotonic() at launch
    wall_seconds: float = 0.0
    results: dict = field(default_factory=dict)

    @property
    def level(self) -> int:
        return notebook_level(self.notebook)

    @property
    def name(self) -> str:
        return f"{self.notebook.stem}-{self.backend}-{self.model_size}"

    @property
    def executed(self) -> Path:
        return self.directory / self.notebook.name

    @property
    def progress_file(self) -> Path:
        return self.directory / "progress.json"


def _cell_label(cell: dict, count: int | None) -> str:
    """`In [N] first line of the source`, as the learner sees the cell in the executed notebook."""
    lines = [line.strip() for line in "".join(cell.get("source", "")).splitlines() if line.strip()]
    return f"In [{count if count is not None else ' '}] `{lines[0][:80] if lines else ''}`"


def _read_cells(executed: Path) -> list[dict]:
    try:
        return json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):  # not written yet, or caught mid-write
        return []


def failing_cell(executed: Path) -> str:
    """'In [N] <first source line>: ErrorName: message' for the first cell with an error, else ''."""
    for cell in _read_cells(executed):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"{_cell_label(cell, cell.get('execution_count'))}: {output['ename']}: {output['evalue'][:300]}"
    return ""


def running_cell(executed: Path) -> str:
    """The label of the cell papermill marks as running ('' if none): its count is the last one + 1."""
    last = 0
    for cell in _read_cells(executed):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("metadata", {}).get("papermill", {}).get("status") == "running":
            return _cell_label(cell, cell.get("execution_count") or last + 1)
        last = cell.get("execution_count") or last
    return ""


def progress(run: Run) -> str:
    """Where a run is: its cell, and its epoch and step while it trains (from EpochTimer's file)."""
    where = running_cell(run.executed)
    try:
        state = json.loads(run.progress_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = None
    if state and state["phase"] != "done":
        steps = f"/{state['steps']}" if state.get("steps") else ""
        where += f" | epoch {state['epoch']}/{state['epochs']} {state['phase']}, step {state['step']}{steps}"
    return where


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m{seconds:02d}s"


class _Stagger:
    """Hands out launch slots at least `gap` seconds apart; a stop ends the wait early."""

    def __init__(self, gap: float):
        self.gap, self.lock, self.last = gap, threading.Lock(), 0.0

    def wait(self, stop: threading.Event) -> bool:
        """Wait for a slot; False if the grid was stopped meanwhile."""
        with self.lock:
            delay = self.last + self.gap - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return False
            self.last = time.monotonic()
            return not stop.is_set()


def _tree(processes) -> dict:
    """The processes given and all their descendants still alive, by pid."""
    import psutil

    found = {}
    for process in processes:
        try:
            found.update({p.pid: p for p in [process, *process.children(recursive=True)]})
        except psutil.NoSuchProcess:
            pass
    return found


def _stop(process: subprocess.Popen) -> None:
    """Stop papermill: SIGINT lets it shut its kernel down and save the notebook; then kill what is left.

    The tree is read before and after the grace period, so a kernel (which jupyter starts in a
    session of its own) and anything the kernel started are found even once papermill is gone.
    """
    import psutil  # installed with IPython, which every kernel needs

    try:
        tree = _tree([psutil.Process(process.pid)])
    except psutil.NoSuchProcess:
        tree = {}
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(STOP_GRACE)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    tree.update(_tree(list(tree.values())))
    for member in tree.values():
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(list(tree.values()), timeout=STOP_GRACE)
    process.wait()


def execute(run: Run, timeout: float, stagger: _Stagger, stop: threading.Event) -> Run:
    """Run one notebook with papermill in a process of its own; fill in status, error, results."""
    if not stagger.wait(stop):
        run.status, run.error = "interrupted", "stopped before it started"
        return run
    run.directory.mkdir(parents=True, exist_ok=True)
    parameters = {"backend": run.backend, "profile": run.profile, "model_size": run.model_size, **run.extra_parameters}
    command = [
        sys.executable,
        "-m",
        "papermill",
        str(run.notebook),
        str(run.executed),
        "-y",
        json.dumps(parameters),
        "--cwd",
        str(run.notebook.parent),
        "--no-progress-bar",
        "--start-timeout",
        str(KERNEL_START_SECONDS),
        "--log-level",
        "WARNING",
    ]
    env = {**os.environ, COURSE_RESULTS_DIR: str(run.directory), COURSE_PROGRESS_FILE: str(run.progress_file)}
    run.started = time.monotonic()
    with open(run.directory / "papermill.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        run.status = "running"
        while True:
            try:
                code = process.wait(POLL)
                break
            except subprocess.TimeoutExpired:
                if stop.is_set() or time.monotonic() - run.started > timeout:
                    where = progress(run)
                    _stop(process)
                    run.status = "interrupted" if stop.is_set() else "timeout"
                    run.error = (
                        f"stopped after {time.monotonic() - run.started:.0f} s"
                        if stop.is_set()
                        else f"no result after {timeout:.0f} s"
                    )
                    run.error += f", in {where}" if where else ""
                    code = None
                    break
    run.wall_seconds = time.monotonic() - run.started
    if code is not None:
        run.status = "ok" if code == 0 else "failed"
        if code:
            lines = (run.directory / "papermill.log").read_text(encoding="utf-8").strip().splitlines()
            run.error = failing_cell(run.executed) or (lines[-1] if lines else f"papermill exited with {code}")
    written = results_file(run.directory, run.level)
    if written.is_file():
        run.results = json.loads(written.read_text(encoding="utf-8"))
    return run


def check_parameters(parameters: dict) -> dict:
    """Refuse names a notebook does not take, and those the grid sets itself."""
    for name in parameters:
        if name in GRID_PARAMETERS:
            raise CourseConfigError(f"parameter {name!r} is set by the grid, one value per run, not as an extra one")
        if name not in RUN_PARAMETERS:
            raise CourseConfigError(
                f"parameter {name!r} is not a notebook parameter; choose from: "
                + ", ".join(n for n in RUN_PARAMETERS if n not in GRID_PARAMETERS)
            )
    return parameters


def plan(
    notebooks: list[Path],
    backends: list[str],
    sizes: list[str],
    profile: str,
    root: Path,
    parameters: dict | None = None,
) -> list[Run]:
    """The grid, every run's parameters validated by the course's own rules before anything starts.

    A level that does not exist at a size (level 1 beyond `tiny`) is left out.
    """
    parameters = check_parameters(parameters or {})
    notebooks = [Path(nb).absolute() for nb in notebooks]
    for notebook in notebooks:
        if notebook_level(notebook) is None:
            raise CourseConfigError(f"{notebook.name} is not a lesson notebook (named 01_... to 06_...)")
    runs = [
        Run(nb, backend, size, profile, Path(root).absolute() / f"{nb.stem}-{backend}-{size}", dict(parameters))
        for nb in notebooks
        for backend in backends
        for size in sizes
        if level_runs_at(notebook_level(nb), size)
    ]
    for run in runs:
        run.params = resolve_params(
            run.level, backend=run.backend, profile=run.profile, model_size=run.model_size, **parameters
        )
    return runs


class _StopOnSignal:
    """While active, SIGINT and SIGTERM set `stop` (and record which) instead of raising."""

    def __init__(self, stop: threading.Event):
        self.stop, self.signum, self.previous = stop, None, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame):
        if not self.stop.is_set():
            tqdm.write(
                f"{signal.Signals(signum).name}: stopping the running notebooks (kernels included), "
                "cancelling the others, then writing the report",
                file=sys.stderr,
            )
        self.signum = self.signum or signum
        self.stop.set()

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def run_grid(runs: list[Run], root: Path, workers: int = 1, timeout: float = DEFAULT_TIMEOUT) -> list[Run]:
    """Execute the planned runs (`plan`) with `workers` parallel kernels; write the report under root.

    After Ctrl-C or SIGTERM the report is still written, with the unfinished runs marked
    "interrupted"; the caller tells it by their status.
    """
    from .report import write_report

    root = Path(root).absolute()
    stagger, stop = _Stagger(KERNEL_START_GAP if workers > 1 else 0.0), threading.Event()
    with (
        _StopOnSignal(stop) as signals,
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(total=len(runs), desc="notebooks", unit="run") as bar,
    ):
        futures = {pool.submit(execute, run, timeout, stagger, stop): run for run in runs}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                run = futures[future]
                if future.exception() is not None:  # a fault of the runner itself: report it, go on
                    run.status, run.error = "failed", f"runner error: {future.exception()!r}"
                bar.update()
                tqdm.write(
                    f"{run.name}: {run.status} after {_elapsed(run.wall_seconds)}"
                    + (f" ({run.error})" if run.error else "")
                )
            active = [r for r in runs if r.status == "running"]
            bar.set_postfix_str(
                "; ".join(f"{r.name} {_elapsed(time.monotonic() - r.started)} {progress(r)}".strip() for r in active)
            )
    write_report(
        root,
        runs,
        {
            "profile": ", ".join(sorted({run.profile for run in runs})),
            "workers": workers,
            "timeout": timeout,
            "parameters": runs[0].extra_parameters if runs else {},
            "interrupted_by": signal.Signals(signals.signum).name if signals.signum else None,
        },
    )
    return runs
