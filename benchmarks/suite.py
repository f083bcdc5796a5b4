"""Wall time of the six-notebook suite (smoke profile, jax), one kernel at a time against two at once."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from course_utils.layout import course_notebooks
from course_utils.runner import plan, run_grid


def main() -> None:
    notebooks = course_notebooks()
    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        for workers in (1, 2):
            start = time.perf_counter()
            root = Path(scratch) / f"workers{workers}"
            runs = run_grid(plan(notebooks, ["jax"], ["tiny"], "smoke", root), root, workers=workers)
            figures[f"workers_{workers}_seconds"] = time.perf_counter() - start
            figures[f"workers_{workers}_ok"] = sum(r.status == "ok" for r in runs)
    figures["speedup_parallel_over_serial"] = figures["workers_1_seconds"] / figures["workers_2_seconds"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
