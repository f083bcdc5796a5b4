"""Shared test setup: the course's own cache, jax as the in-process backend."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Presets and corpora are recipe-keyed, so the course's cache (COURSE_CACHE_DIR, else the
# default) serves every test run and every clone; xdist workers building the same preset at
# once are serialised by the cache's lock. Tests that need a fresh cache make their own.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    from course_utils import environment

    return environment.cache_dir()


def run_python(code: str, backend: str = "jax", timeout: int = 600, **env) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter (a backend is fixed per process)."""
    environment = {**os.environ, "KERAS_BACKEND": backend, **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=environment, cwd=ROOT
    )
