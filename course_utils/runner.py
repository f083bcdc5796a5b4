"""Batch runner: a grid of notebooks x backends x model sizes through papermill, and its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tqdm.auto import tqdm

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
KERNEL_START_GAP = 3.0  # seconds between kernel launches, so that starts do not race


@dataclass
class Run:
    """One cell of the grid and what became of it."""

    notebook: Path
    backend: str
    model_size: str
    profile: str
    directory: Path
    status: str = "pending"
    error: str = ""
    wall_seconds: float = 0.0
    results: dict = field(default_factory=dict)

    @property
    def level(self) -> int:
        return int(self.notebook.name[:2])

    @property
    def name(self) -> str:
        return f"{self.notebook.stem}-{self.backend}-{self.model_size}"


def _failing_cell(executed: Path) -> str:
    """'cell N: ErrorName: message' for the first cell with an error output, else ''."""
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError):
        return ""
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output['ename']}: {output['evalue'][:300]}"
    return ""


class _Stagger:
    """Hands out launch slots at least `gap` seconds apart."""

    def __init__(self, gap: float):
        self.gap, self.lock, self.last = gap, threading.Lock(), 0.0

    def wait(self) -> None:
        with self.lock:
            delay = self.last + self.gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.last = time.monotonic()


def execute(run: Run, timeout: float, stagger: _Stagger, extra_parameters: dict) -> Run:
    """Run one notebook with papermill in a subprocess; fill in status, error, results."""
    run.directory.mkdir(parents=True, exist_ok=True)
    executed = run.directory / run.notebook.name
    parameters = {"backend": run.backend, "profile": run.profile, "model_size": run.model_size, **extra_parameters}
    command = [sys.executable, "-m", "papermill", str(run.notebook), str(executed),
               "--cwd", str(run.notebook.parent), "--no-progress-bar", "--log-level", "WARNING"]
    for key, value in parameters.items():
        command += ["-p", key, str(value)]
    env = {**os.environ, "COURSE_RESULTS_DIR": str(run.directory)}
    stagger.wait()
    start = time.monotonic()
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
        run.status = "ok" if completed.returncode == 0 else "failed"
        if completed.returncode:
            lines = completed.stderr.strip().splitlines()
            run.error = _failing_cell(executed) or (lines[-1] if lines else f"exit {completed.returncode}")
    except subprocess.TimeoutExpired:
        run.status, run.error = "timeout", f"no result after {timeout:.0f} s"
    run.wall_seconds = time.monotonic() - start
    (run.directory / "papermill.log").write_text(
        "" if run.status == "timeout" else completed.stdout + completed.stderr, encoding="utf-8")
    results_file = run.directory / f"level{run.level}_results.json"
    if results_file.is_file():
        run.results = json.loads(results_file.read_text(encoding="utf-8"))
    return run


def plan(notebooks: list[Path], backends: list[str], sizes: list[str], profile: str, root: Path) -> list[Run]:
    """The grid; level 1 runs only at model_size 'tiny' (the only sst2 classifier)."""
    return [Run(nb, backend, size, profile, root / f"{nb.stem}-{backend}-{size}")
            for nb in notebooks for backend in backends for size in sizes
            if not (nb.name.startswith("01_") and size != "tiny")]


def run_grid(notebooks, backends, sizes, profile, workers=1, timeout=1800.0, root=None,
             extra_parameters=None) -> tuple[Path, list[Run]]:
    """Execute the grid with `workers` parallel kernels; write the report; return (folder, runs)."""
    from .report import write_report

    root = Path(root or Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")).absolute()
    runs = plan([Path(nb).absolute() for nb in notebooks], backends, sizes, profile, root)
    stagger = _Stagger(KERNEL_START_GAP if workers > 1 else 0.0)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(execute, run, timeout, stagger, extra_parameters or {}) for run in runs]
        with tqdm(total=len(futures), desc="notebooks", unit="run") as bar:
            for future in as_completed(futures):
                run = future.result()
                bar.set_postfix_str(f"{run.name}: {run.status}")
                bar.update()
    write_report(root, runs)
    return root, runs
