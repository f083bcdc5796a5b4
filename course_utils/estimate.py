"""A rough duration estimate for a batch run, from the course's measured CPU step times.

steps x seconds per step, where the step time is CPU_STEP_SECONDS for the backend and size,
scaled by the level (LEVEL_STEP_FACTOR) and by the sequence length and batch size against those
it was measured at (MEASURED_SEQUENCE_LENGTH, MEASURED_BATCH_SIZE); forward-only steps
(validation, the final test evaluation) count FORWARD_STEP_FACTOR of a step; each notebook adds
NOTEBOOK_OVERHEAD_SECONDS. Preprocessing, vocabulary learning and load from other programs are
not counted: it is an order of magnitude for a CPU, not a promise, and a GPU is far faster.
"""

from __future__ import annotations

import math

from . import synthetic
from .config import VALIDATION_SPLIT, RunParams

IMDB_REVIEWS_PER_SPLIT = 25_000  # aclImdb's train and test splits (unsup aside)

# CPU seconds per training step of level 2's classifier, course settings (jit "auto", False on
# torch; float32), on a 2-core x86_64 machine, at the batch size and sequence lengths below.
# full: stand-ins at keras-hub's architectures (train_on_batch, machine lightly loaded), measured
# by hand before the benchmarks existed; torch on 1 thread, its `small` figure scaled by
# BENCHMARKS.md's "torch threads" ratio to the 2 threads the course gives it.
# smoke: BENCHMARKS.md "Seconds per training step", smoke rows, level 2.
# Sizes missing here were not measured, and a grid that uses them gets no estimate.
CPU_STEP_SECONDS = {
    "full": {
        "jax": {"tiny": 1.10, "small": 6.75},
        "tensorflow": {"tiny": 0.57, "small": 3.88},
        "torch": {"tiny": 0.78, "small": 10.0},
    },
    "smoke": {
        "jax": {"tiny": 0.0078},
        "tensorflow": {"tiny": 0.0174},
        "torch": {"tiny": 0.0204},
    },
}
MEASURED_BATCH_SIZE = 16
MEASURED_SEQUENCE_LENGTH = {"full": 512, "smoke": 64}
# A level's training step against level 2's at the same sequence length (BENCHMARKS.md "guide"
# rows, mean over the three backends; level 6 trains its own small model whatever model_size).
# Level 1 does not train; a forward-only step (validation, test) is counted as a third of a step.
LEVEL_STEP_FACTOR = {1: 0.0, 2: 1.0, 3: 1.0, 4: 1.36, 5: 1.67, 6: 0.25}
FORWARD_STEP_FACTOR = 1 / 3
# Kernel start, imports, data and preset loading, figures: in BENCHMARKS.md's "Notebook suite wall
# time" the six smoke notebooks ran 203 s one at a time, of which training steps took a few seconds.
NOTEBOOK_OVERHEAD_SECONDS = 30


def _reviews(params: RunParams, split: str) -> int:
    available = IMDB_REVIEWS_PER_SPLIT if params.profile == "full" else synthetic.GENERATOR["sizes"][split]
    return min(available, params.max_examples or available)


def estimate_seconds(params: RunParams) -> float | None:
    """Estimated CPU seconds for one notebook with these parameters; None without a measured step time."""
    size = "tiny" if params.level == 6 else params.model_size  # level 6 trains its own small model
    measured = CPU_STEP_SECONDS[params.profile][params.backend].get(size)
    if measured is None:
        return None
    step = (
        measured
        * (params.sequence_length / MEASURED_SEQUENCE_LENGTH[params.profile])
        * (params.batch_size / MEASURED_BATCH_SIZE)
    )
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
