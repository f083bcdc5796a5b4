"""Where the course's files are and how they are named: the repository root, the lesson notebooks,
the level a notebook teaches, and the names of the results and figure files a level writes.

The one home of these facts for the package, the tests, the tools and the benchmarks. Plain
Python: importing it imports nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository (course_utils/ is installed editable)
NOTEBOOK_DIR = ROOT / "notebooks"
# One notebook per level, named by its level: 01_<name>.ipynb to 06_<name>.ipynb.
LESSON_NAME = re.compile(r"^0([1-6])_.*\.ipynb$")
# Where a notebook writes its results when COURSE_RESULTS_DIR is unset: this folder under its working
# directory (notebooks/results/ in JupyterLab), out of the notebooks' folder listing and ignored by git.
RESULTS_FOLDER = "results"


def notebook_level(notebook: str | Path) -> int | None:
    """The level a lesson notebook teaches, from its name (01_... to 06_...); None for any other file."""
    named = LESSON_NAME.match(Path(notebook).name)
    return int(named.group(1)) if named else None


def course_notebooks(directory: str | Path = NOTEBOOK_DIR) -> list[Path]:
    """The lesson notebooks in `directory`, in level order."""
    return sorted(path for path in Path(directory).glob("*.ipynb") if notebook_level(path))


def default_results_dir(working_dir: str | Path) -> Path:
    """Where a notebook run from `working_dir` writes its results unless COURSE_RESULTS_DIR says otherwise."""
    return Path(working_dir) / RESULTS_FOLDER


def results_file(results_dir: str | Path, level: int) -> Path:
    """A level's results record: levelN_results.json."""
    return Path(results_dir) / f"level{level}_results.json"


def figure_file(results_dir: str | Path, level: int, name: str) -> Path:
    """A level's saved figure: levelN_<name>.png."""
    return Path(results_dir) / f"level{level}_{name}.png"
