"""Build-once cache directories: built in a temporary sibling, renamed into place, one builder at a time."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

MARKER = ".complete.json"


class CacheError(RuntimeError):
    """The cache directory cannot be used."""


def recipe_key(recipe: dict) -> str:
    """A short stable hash of a JSON-able recipe: a changed recipe gets a new directory."""
    blob = json.dumps(recipe, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def ensure_writable(cache_dir: Path) -> Path:
    """Create cache_dir (absolute) or raise CacheError naming it."""
    cache_dir = Path(cache_dir).expanduser().absolute()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir):
            pass
    except OSError as error:
        raise CacheError(
            f"cache directory {str(cache_dir)!r} is not writable ({error.strerror}); "
            "set COURSE_CACHE_DIR to a writable directory"
        ) from None
    return cache_dir


def is_complete(path: Path, required: tuple[str, ...] = ()) -> bool:
    """True when `path` was fully built and every required file is still there."""
    return (path / MARKER).is_file() and all((path / name).exists() for name in required)


@contextmanager
def _locked(lock_path: Path, on_wait: Callable[[], None] | None):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process is building it
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)  # released by the OS even if the holder is killed
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(
    target: Path,
    build: Callable[[Path], None],
    recipe: dict,
    required: tuple[str, ...] = (),
    on_wait: Callable[[], None] | None = None,
) -> Path:
    """Return `target`, building it with `build(tmp_dir)` unless a complete copy already exists.

    The build runs in a temporary sibling directory that is renamed into place only
    when it finished, under an exclusive lock, so concurrent callers wait (calling
    `on_wait` first) and then reuse it, and a killed build leaves nothing that looks complete.
    """
    target = Path(target).absolute()
    if is_complete(target, required):
        return target
    ensure_writable(target.parent)
    with _locked(target.parent / f".{target.name}.lock", on_wait):
        if is_complete(target, required):
            return target
        for stale in target.parent.glob(f".{target.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed builder
        shutil.rmtree(target, ignore_errors=True)  # incomplete or damaged
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            build(tmp)
            missing = [name for name in required if not (tmp / name).exists()]
            if missing:
                raise CacheError(f"building {target.name} did not produce {missing}")
            (tmp / MARKER).write_text(json.dumps(recipe, sort_keys=True, indent=1))
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target
