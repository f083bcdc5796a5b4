"""Build the course's website: `make site` (or `python tools/build_site.py`).

Three steps, each skipped when its inputs have not changed:

1. **Execute** the six notebooks through the course's batch runner (smoke profile, jax, tiny):
   `python -m course_utils run --profile smoke --backends jax --out build/site/runs`. The run
   folder's `execution.json` records the commit and a hash of what the outputs depend on
   (notebooks/ but its markdown, and course_utils/, as in the working tree, and the installed versions of the course's
   dependencies, `[project] dependencies` in pyproject.toml); a later build
   reuses the outputs only while that hash is the same, so a page never shows outputs of other
   sources.
2. **Stage** the executed notebooks as Sphinx sources (tools/site_stage.py): papermill's
   injected-parameters cell and the Colab cell are dropped, a provenance note goes under each
   title, notebooks/COURSE.md becomes the front page and notebooks/STYLE.md a page of its own.
3. **Render** with Sphinx + myst-nb (site/conf.py, `nb_execution_mode = "off"`: nothing runs
   twice), then index the pages with Pagefind, whose search finds two-syllable Korean words.

The site lands in build/site/html; `python -m http.server -d build/site/html 8000 --bind 127.0.0.1`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools import site_stage  # noqa: E402
from tools.colab_cell import repository_url  # noqa: E402

DEFAULT_OUT = ROOT / "build" / "site"
CONF_DIR = ROOT / "site"
SOURCES = ("notebooks", "course_utils")  # with the dependencies' versions, what the executed outputs depend on
IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints", "results"}  # run products, not sources
SHOWN = ("keras", "keras-hub", "keras-nlp", "jax", "tensorflow")  # the versions a page names
PROFILE, BACKEND, SIZE = "smoke", "jax", "tiny"  # the course's defaults: the run is Run All as committed
GRID = ("backend", "profile", "model_size")  # what papermill injects, in its cell's order
RECORD = "execution.json"


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def source_files(root: Path = ROOT) -> list[Path]:
    """Files under SOURCES that git tracks or would track (untracked, not ignored; all files without git),
    but the markdown under notebooks/: text forms, COURSE.md and STYLE.md are never executed, and the
    pages take them fresh from the working tree at every build."""
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *SOURCES)
    if listed:
        paths = {root / name for name in listed.split("\0") if name}
    else:
        paths = {p for s in SOURCES for p in ([root / s] if (root / s).is_file() else (root / s).rglob("*"))}
    return sorted(
        p
        for p in paths
        if p.is_file()
        and not IGNORED_PARTS & set(p.relative_to(root).parts)
        and not (p.suffix == ".md" and p.relative_to(root).parts[0] == "notebooks")
    )


def dependency_versions(root: Path = ROOT) -> dict[str, str]:
    """Installed version of each of the course's dependencies (`[project] dependencies`), by name."""
    import tomllib

    declared = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    versions = {}
    for requirement in declared:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def source_hash(root: Path = ROOT, versions: dict | None = None) -> str:
    """sha256 over the sources' paths and bytes (as in the working tree) and the dependencies' versions."""
    digest = hashlib.sha256()
    for path in source_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps(versions or dependency_versions(root), sort_keys=True).encode())
    return digest.hexdigest()


def commit(root: Path = ROOT) -> dict:
    """HEAD's hash and whether the sources differ from it (uncommitted edits)."""
    head = _git(root, "rev-parse", "HEAD").strip()
    dirty = bool(_git(root, "status", "--porcelain", "--", *SOURCES).strip())
    return {"commit": head or "unknown", "dirty": dirty}


def read_record(runs: Path) -> dict | None:
    try:
        return json.loads((runs / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def executed_notebooks(runs: Path, notebooks: list[Path]) -> dict[Path, Path]:
    """Each lesson and its executed copy in the runner's per-run folder."""
    return {nb: runs / f"{nb.stem}-{BACKEND}-{SIZE}" / nb.name for nb in notebooks}


def fresh(runs: Path, notebooks: list[Path], key: str) -> bool:
    record = read_record(runs)
    return bool(
        record
        and record.get("source_hash") == key
        and all(p.is_file() for p in executed_notebooks(runs, notebooks).values())
    )


def execute(runs: Path, notebooks: list[Path], workers: int, root: Path = ROOT) -> dict:
    """Run the lessons through the batch runner into `runs` (emptied first); return the record."""
    versions = dependency_versions(root)
    key, started = source_hash(root, versions), datetime.now(UTC)
    if runs.exists():
        shutil.rmtree(runs)
    grid = ["-m", "course_utils", "run", "--profile", PROFILE, "--backends", BACKEND, "--sizes", SIZE]
    shown = " ".join(["python", *grid, "--out", os.path.relpath(runs, root)])
    command = [sys.executable, *grid, "--workers", str(workers), "--out", str(runs)]
    command += ["--notebooks", *map(str, notebooks)]
    print("site: executing the notebooks:", shown, flush=True)
    # The kernels import this checkout's course_utils (the one hashed), whatever the venv's install points at.
    path = os.pathsep.join([str(root), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "KERAS_BACKEND": BACKEND, "COURSE_PROFILE": PROFILE, "PYTHONPATH": path}
    code = subprocess.run(command, cwd=root, env=env).returncode
    missing = [p for p in executed_notebooks(runs, notebooks).values() if not p.is_file()]
    if code or missing:
        raise SystemExit(f"site: the batch run failed (exit {code}); see {runs / 'summary.md'}")
    if source_hash(root, versions) != key:
        raise SystemExit("site: the sources changed while the notebooks ran; run `make site` again")
    record = {
        "source_hash": key,
        **commit(root),
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "profile": PROFILE,
        "backend": BACKEND,
        "model_size": SIZE,
        "versions": {name: versions.get(name, "not installed") for name in SHOWN},
        "dependencies": versions,
        "runner": shown,
    }
    (runs / RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record


def render(src: Path, html: Path) -> None:
    """Sphinx (incremental: unchanged pages are not rewritten), then the Pagefind index."""
    sphinx = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-c", str(CONF_DIR)]
    if subprocess.run([*sphinx, str(src), str(html)]).returncode:
        # A warning fails the build (-W). Sphinx's saved environment can hold a stale one (a link to a
        # page that did not exist in an earlier build), so the verdict is a fresh build's.
        print("site: the incremental build failed; building every page afresh", flush=True)
        subprocess.run([*sphinx, "-E", str(src), str(html)], check=True)
    # Only the article is indexed (not the navigation every page repeats), without the headings' "#" links.
    pagefind = [sys.executable, "-m", "pagefind", "--site", str(html), "--silent"]
    selectors = ["--root-selector", "article.bd-article", "--exclude-selectors", ".site-no-index, a.headerlink"]
    subprocess.run([*pagefind, *selectors], check=True)


def build(out: Path = DEFAULT_OUT, workers: int = 2, force: bool = False, root: Path = ROOT) -> dict:
    """The whole build; returns the execution record the pages show."""
    from course_utils.layout import course_notebooks

    start = time.monotonic()
    notebooks = course_notebooks(root / "notebooks")
    runs, src, html = out / "runs", out / "src", out / "html"
    key = source_hash(root)
    if not force and fresh(runs, notebooks, key):
        record = read_record(runs)
        print(f"site: reusing the outputs executed at {record['commit'][:12]} on {record['date']} (sources unchanged)")
    else:
        record = execute(runs, notebooks, workers, root)
    site_stage.stage(executed_notebooks(runs, notebooks), record, src, root, repository_url(root / "pyproject.toml"))
    render(src, html)
    print(f"site: built {html} in {time.monotonic() - start:.0f} s; open it with")
    print(f"  python -m http.server -d {os.path.relpath(html)} 8000 --bind 127.0.0.1")
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="build folder (default build/site)")
    parser.add_argument("--workers", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("--force", action="store_true", help="execute the notebooks even if their outputs are fresh")
    parser.add_argument(
        "--key", action="store_true", help="print the execution key and stop (a CI cache key for build/site/runs)"
    )
    args = parser.parse_args(argv)
    if args.key:
        print(source_hash())
        return 0
    build(args.out.absolute(), args.workers, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
