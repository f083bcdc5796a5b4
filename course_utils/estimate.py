"""A rough duration estimate for a batch run, from the course's measured CPU step times.

steps x seconds per step, where the step time is config.CPU_STEP_SECONDS for the backend and
size, scaled by the level (LEVEL_STEP_FACTOR), the sequence length and the batch size; forward-only
steps (validation, the final test evaluation) count FORWARD_STEP_FACTOR of a step; each notebook
adds NOTEBOOK_OVERHEAD_SECONDS. Preprocessing, vocabulary learning and load from other programs are
not counted: it is an order of magnitude for a CPU, not a promise, and a GPU is far faster.
"""

from __future__ import annotations

import math

from . import synthetic
from .config import (
    CPU_STEP_SECONDS,
    DEFAULTS,
    FORWARD_STEP_FACTOR,
    IMDB_REVIEWS_PER_SPLIT,
    LEVEL_SETTINGS,
    LEVEL_STEP_FACTOR,
    NOTEBOOK_OVERHEAD_SECONDS,
    VALIDATION_SPLIT,
    RunParams,
)


def _reviews(params: RunParams, split: str) -> int:
    available = IMDB_REVIEWS_PER_SPLIT if params.profile == "full" else synthetic.GENERATOR["sizes"][split]
    return min(available, params.max_examples or available)


def estimate_seconds(params: RunParams) -> float | None:
    """Estimated CPU seconds for one notebook with these parameters; None without a measured step time."""
    size = "tiny" if params.level == 6 else params.model_size  # level 6 trains its own small model
    measured = CPU_STEP_SECONDS[params.profile][params.backend].get(size)
    if measured is None:
        return None
    reference_length = LEVEL_SETTINGS[2][params.profile]["sequence_length"]
    step = measured * (params.sequence_length / reference_length) * (params.batch_size / DEFAULTS["batch_size"])
    train_step = step * LEVEL_STEP_FACTOR[params.level]
    # Level 1 does not train (factor 0); its forward steps are the classifier's, as level 2's.
    forward_step = step * FORWARD_STEP_FACTOR * (LEVEL_STEP_FACTOR[params.level] or 1.0)
    train = _reviews(params, "train")
    train_steps = math.ceil(train * (1 - VALIDATION_SPLIT) / params.batch_size)
    validation_steps = math.ceil(train * VALIDATION_SPLIT / params.batch_size)
    test_steps = math.ceil(_reviews(params, "test") / params.batch_size)
    return (
        NOTEBOOK_OVERHEAD_SECONDS
        + params.epochs * (train_steps * train_step + validation_steps * forward_step)
        + test_steps * forward_step
    )


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "no estimate (step time not measured)"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 1)} min"


def describe(runs, workers: int) -> str:
    """The estimate printed before a grid starts: one line per run and the total."""
    lines = [
        f"Estimated duration (ROUGH: measured CPU step times x steps, plus {NOTEBOOK_OVERHEAD_SECONDS} s "
        "a notebook; a GPU is much faster, a busy CPU slower):"
    ]
    estimates = [estimate_seconds(run.params) for run in runs]
    lines += [f"  {run.name}: {duration(seconds)}" for run, seconds in zip(runs, estimates, strict=True)]
    known = [s for s in estimates if s is not None]
    total = f"{duration(sum(known))} one after another"
    if workers > 1:
        total += f"; with {workers} workers between {duration(sum(known) / workers)} and that, as cores allow"
    missing = len(estimates) - len(known)
    return "\n".join(lines + [f"  total: {total}" + (f" (+ {missing} runs not estimated)" if missing else "")])
