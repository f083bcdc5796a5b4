"""EpochTimer: the training timings a notebook reports, and the fit's progress logger."""

from __future__ import annotations

import json
import os
import statistics
import time

import keras

from .environment import progress_file

PROGRESS_INTERVAL = 2.0  # seconds between writes of the progress file


class EpochTimer(keras.callbacks.ProgbarLogger):
    """Times training: every epoch (validation included) and every training step alone.

    `seconds` holds the wall time of each epoch. `step_seconds` holds, per epoch, each training
    step from `on_train_batch_begin` to `on_train_batch_end` (Keras calls the latter once the
    step's results are on the host), so validation and input waits between steps are left out;
    `ms_per_step` is their median without the very first step, which compiles. `jit_compile` is
    what the compiled model ran (Keras turns XLA off for tensorflow on a CPU, whatever was asked).

    It is also the fit's progress logger: Keras uses a ProgbarLogger found in `callbacks` instead
    of adding its own. In a notebook it shows Keras' usual bar; in a batch run (the runner sets
    COURSE_PROGRESS_FILE) it prints one line per epoch and writes the current epoch and step to
    that file, for the runner to show.
    """

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self.step_seconds: list[list[float]] = []
        self.steps: int | None = None
        self.jit_compile: bool | None = None
        self._progress = progress_file()
        self._epoch_start = self._step_start = self._last_write = 0.0

    def set_params(self, params):
        keras.callbacks.Callback.set_params(self, params)  # keeps self.params, which ProgbarLogger does not
        super().set_params(params)

    @property
    def batch(self) -> bool:
        """True in a batch run: one line per epoch instead of Keras' progress bar."""
        return self._progress is not None

    @property
    def ms_per_step(self) -> float | None:
        """Median training step in milliseconds, the first (compiling) step left out when others exist."""
        steps = [s for epoch in self.step_seconds for s in epoch]
        steps = steps[1:] if len(steps) > 1 else steps
        return 1000 * statistics.median(steps) if steps else None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.jit_compile = bool(self.model.jit_compile)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self.step_seconds.append([])
        if self.batch:
            self._write_progress(epoch, 0, "training")
        else:
            super().on_epoch_begin(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._step_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.step_seconds[-1].append(time.perf_counter() - self._step_start)
        if not self.batch:
            super().on_train_batch_end(batch, logs)
        elif time.perf_counter() - self._last_write >= PROGRESS_INTERVAL:
            self._write_progress(len(self.step_seconds) - 1, batch + 1, "training")

    def on_test_begin(self, logs=None):
        super().on_test_begin(logs)
        if self.batch and self._called_in_fit:
            self._write_progress(len(self.step_seconds) - 1, len(self.step_seconds[-1]), "validation")

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._epoch_start)
        self.steps = self.params.get("steps") if self.params else None
        if not self.batch:
            super().on_epoch_end(epoch, logs)
            return
        self._write_progress(epoch, len(self.step_seconds[-1]), "done")
        steps = self.step_seconds[-1][1:] if epoch == 0 else self.step_seconds[-1]
        step = f", training step {1000 * statistics.median(steps):.0f} ms (median)" if steps else ""
        metrics = "".join(
            f" | {key} {value:.4f}" for key, value in (logs or {}).items() if isinstance(value, (int, float))
        )
        print(
            f"epoch {epoch + 1}/{self.epochs}: {len(self.step_seconds[-1])} steps in "
            f"{self.seconds[-1]:.1f} s{step}{metrics}",
            flush=True,
        )

    def _write_progress(self, epoch: int, step: int, phase: str) -> None:
        """Replace the progress file in one move, so the runner never reads half of it."""
        record = {
            "epoch": epoch + 1,
            "epochs": self.epochs,
            "step": step,
            "steps": self.target,
            "phase": phase,
            "epoch_seconds": time.perf_counter() - self._epoch_start,
        }
        partial = self._progress.with_name(self._progress.name + ".tmp")
        partial.write_text(json.dumps(record), encoding="utf-8")
        os.replace(partial, self._progress)
        self._last_write = time.perf_counter()
