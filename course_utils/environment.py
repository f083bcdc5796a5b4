"""Every environment variable the course reads: the one table (name, meaning, default) and its readers.

The course reads its environment here only; other modules call these functions. Code that sets
a variable for a child process (the batch runner, the preset build) uses the names below.
An empty value counts as unset. Importing this module never imports keras.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import layout

KERAS_BACKEND = "KERAS_BACKEND"
COURSE_PROFILE = "COURSE_PROFILE"
COURSE_CACHE_DIR = "COURSE_CACHE_DIR"
COURSE_IMDB_DIR = "COURSE_IMDB_DIR"
COURSE_IMDB_URL = "COURSE_IMDB_URL"
COURSE_PRESET_DIR = "COURSE_PRESET_DIR"
COURSE_RESULTS_DIR = "COURSE_RESULTS_DIR"
COURSE_PROGRESS_FILE = "COURSE_PROGRESS_FILE"
COURSE_DATA_PARALLEL = "COURSE_DATA_PARALLEL"
COURSE_CHROMIUM = "COURSE_CHROMIUM"
COURSE_REPO_URL = "COURSE_REPO_URL"

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "kerasnlp-course"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# name: (meaning, default when unset)
VARIABLES = {
    KERAS_BACKEND: ("`backend` when the parameters cell leaves it `None`", "`config.DEFAULTS`"),
    COURSE_PROFILE: ("`profile` when the parameters cell leaves it `None`", "`config.DEFAULTS`"),
    COURSE_CACHE_DIR: ("where the corpus, the data views and the smoke presets are built", "~/.cache/kerasnlp-course"),
    COURSE_IMDB_DIR: (
        "a hand-fetched `aclImdb` directory for the full profile (layout checked, content not)",
        "none: the archive is downloaded",
    ),
    COURSE_IMDB_URL: ("a mirror of `aclImdb_v1.tar.gz` (its sha256 is still checked)", "Stanford's URL"),
    COURSE_PRESET_DIR: (
        "a directory of hand-fetched keras-hub presets by name, e.g. `$COURSE_PRESET_DIR/bert_tiny_en_uncased/`",
        "none: presets come from Kaggle",
    ),
    COURSE_RESULTS_DIR: (
        "where each notebook writes `levelN_results.json`, its figures and level 5's saved backbone",
        "`results/` under the notebook's working directory (`notebooks/results/` in JupyterLab, ignored by git)",
    ),
    COURSE_PROGRESS_FILE: (
        "set by the batch runner: where `EpochTimer` writes the epoch and step, one line "
        "per epoch instead of Keras' progress bar",
        "none: an interactive run",
    ),
    COURSE_DATA_PARALLEL: (
        "`1` splits every batch over all local accelerators (jax) when `setup()`'s `data_parallel` is `None`",
        "off",
    ),
    COURSE_CHROMIUM: ("the chromium that `make test-browser` drives", DEFAULT_CHROMIUM),
    COURSE_REPO_URL: (
        "the repository the Colab cell clones (read by that cell itself, before `course_utils` is installed)",
        "`[project.urls] Repository` in pyproject.toml",
    ),
}

# Run parameters whose default an environment variable may give (config.pick_default).
PARAMETER_VARIABLES = {"backend": KERAS_BACKEND, "profile": COURSE_PROFILE}


def read(name: str) -> str | None:
    """The value of one of the course's variables, or None when it is unset or empty."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not one of the course's environment variables")
    return os.environ.get(name) or None


def parameter(name: str) -> str | None:
    """The environment's value for a run parameter (`backend`, `profile`), or None."""
    variable = PARAMETER_VARIABLES.get(name)
    return read(variable) if variable else None


def cache_dir() -> Path:
    """COURSE_CACHE_DIR if set, else ~/.cache/kerasnlp-course."""
    return Path(read(COURSE_CACHE_DIR) or DEFAULT_CACHE_DIR)


def results_dir() -> Path:
    """Where a notebook writes its results: COURSE_RESULTS_DIR, else ./results (created on first write)."""
    return Path(read(COURSE_RESULTS_DIR) or layout.default_results_dir(Path.cwd())).absolute()


def _path(name: str) -> Path | None:
    value = read(name)
    return Path(value) if value else None


def imdb_dir() -> Path | None:
    """A hand-fetched aclImdb directory (COURSE_IMDB_DIR), or None."""
    return _path(COURSE_IMDB_DIR)


def imdb_mirror() -> str | None:
    """COURSE_IMDB_URL, or None for Stanford's URL."""
    return read(COURSE_IMDB_URL)


def preset_dir() -> Path | None:
    """The folder of hand-fetched presets (COURSE_PRESET_DIR), or None."""
    return _path(COURSE_PRESET_DIR)


def progress_file() -> Path | None:
    """The batch runner's progress file for this run, or None in an interactive run."""
    return _path(COURSE_PROGRESS_FILE)


def data_parallel() -> bool:
    """COURSE_DATA_PARALLEL: anything but unset, 0 or false turns data parallelism on."""
    return (read(COURSE_DATA_PARALLEL) or "0") not in ("0", "false", "False")


def chromium() -> Path:
    """The chromium the browser test drives: COURSE_CHROMIUM, else Debian's."""
    return Path(read(COURSE_CHROMIUM) or DEFAULT_CHROMIUM)
