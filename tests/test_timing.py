"""EpochTimer measures the training step alone, records what jit ran, and logs one line per epoch in batch runs."""

import json
import time

import keras
import numpy as np
import pytest
from watched import run_python

from course_utils import timing
from course_utils.config import LEVEL_SETTINGS, guide_test_accuracy, resolve_params
from course_utils.environment import COURSE_PROGRESS_FILE
from course_utils.results import comparison_table, save_results
from course_utils.runtime import CourseConfig
from course_utils.timing import EpochTimer

TRAIN_SLEEP = 0.03  # seconds each training step sleeps
# What each validation step "takes": the timer's clock jumps by it, nothing sleeps. Far beyond any
# real step, so a timer that counted validation could not pass for one that did not, however slow
# or loaded the machine is (a real 0.12 s sleep here once lost to a busy machine's 102.8 ms step).
VALIDATION_JUMP = 3600.0


class Clock:
    """The timing module's `time`: the real clock, plus the jumps that validation steps added."""

    def __init__(self):
        self.jumped = 0.0

    def __getattr__(self, name):
        return getattr(time, name)

    def perf_counter(self) -> float:
        return time.perf_counter() + self.jumped


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timing, "time", clock)
    return clock


class Sleep(keras.callbacks.Callback):
    """Makes each training step last at least TRAIN_SLEEP and each validation step VALIDATION_JUMP."""

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock

    def on_train_batch_begin(self, batch, logs=None):
        time.sleep(TRAIN_SLEEP)

    def on_test_batch_begin(self, batch, logs=None):
        self.clock.jumped += VALIDATION_JUMP


def fit_with(timer: EpochTimer, clock: Clock, epochs: int = 2):
    """A small model, 5 training and 5 validation steps an epoch, the timer before the sleeper."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 4)).astype("float32"), rng.integers(0, 2, size=80)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["sparse_categorical_accuracy"],
        jit_compile="auto",
    )
    return model.fit(x, y, batch_size=16, epochs=epochs, validation_data=(x, y), callbacks=[timer, Sleep(clock)])


def test_step_time_is_the_training_step_alone(clock):
    timer = EpochTimer()
    fit_with(timer, clock)
    # At least the sleep, and below a step with its share of validation (which a timer counting the
    # whole epoch would report): the validation is a jump of the clock, so no load reaches it.
    assert 1000 * TRAIN_SLEEP <= timer.ms_per_step < 1000 * VALIDATION_JUMP
    assert [len(steps) for steps in timer.step_seconds] == [5, 5] and timer.steps == 5
    # the epoch time keeps everything: five training and five (slower) validation steps
    assert all(seconds >= 5 * (TRAIN_SLEEP + VALIDATION_JUMP) for seconds in timer.seconds)
    assert timer.jit_compile is True  # jax compiles with XLA when asked "auto"


def test_batch_run_prints_one_line_per_epoch_and_writes_progress(tmp_path, monkeypatch, capsys, clock):
    monkeypatch.setenv(COURSE_PROGRESS_FILE, str(tmp_path / "progress.json"))
    fit_with(EpochTimer(), clock)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert all(" 5 steps in " in line and "training step" in line and "| val_loss " in line for line in lines)
    progress = json.loads((tmp_path / "progress.json").read_text())
    assert {k: progress[k] for k in ("epoch", "epochs", "step", "steps", "phase")} == {
        "epoch": 2,
        "epochs": 2,
        "step": 5,
        "steps": 5,
        "phase": "done",
    }


def test_interactive_run_keeps_keras_progress_bar(monkeypatch, capsys, clock):
    monkeypatch.delenv(COURSE_PROGRESS_FILE, raising=False)
    fit_with(EpochTimer(), clock)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "5/5" in out


@pytest.mark.slow
def test_tensorflow_on_cpu_records_that_xla_was_off():
    result = run_python(
        "import keras, numpy as np, tensorflow as tf\n"
        "from course_utils.timing import EpochTimer\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss='mse', jit_compile='auto')\n"
        "timer = EpochTimer()\n"
        "model.fit(np.zeros((32, 4)), np.zeros((32, 2)), epochs=1, verbose=0, callbacks=[timer])\n"
        "print(timer.jit_compile, bool(tf.config.list_physical_devices('GPU')))\n",
        backend="tensorflow",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    jit, gpu = result.stdout.split()[-2:]
    assert jit == gpu  # "auto" means XLA only where tensorflow sees a GPU


@pytest.fixture
def config(tmp_path):
    return CourseConfig.from_params(
        resolve_params(6, profile="full"),
        cache_dir=tmp_path,
        results_dir=tmp_path,
        jit_compile="auto",
        mixed_precision=False,
        data_root=tmp_path,
        devices=[],
        data_provenance="IMDB directory from COURSE_IMDB_DIR, unverified (/data/aclImdb)",
    )


def test_saved_results_put_the_test_accuracy_beside_the_guides(config, capsys, clock):
    timer = EpochTimer()
    history = fit_with(timer, clock)
    record = json.loads(
        save_results(config, history=history, timer=timer, test_accuracy=0.0, test_loss=0.7).read_text()
    )
    assert record["jit_compile"] is True and record["jit_compile_requested"] == "auto"
    assert record["ms_per_step"] == pytest.approx(timer.ms_per_step)
    assert record["provenance"] == {"data": config.data_provenance, "presets": {}}
    table = comparison_table(record).splitlines()
    figures = {line.split()[0]: line.split()[1:] for line in table[1:] if line and not line.endswith(".")}
    reference = LEVEL_SETTINGS[6]["reference"]
    assert figures["test_accuracy"] == [f"{guide_test_accuracy(reference):.4f}", "0.0000"]  # 0.0 is a figure
    guide_epochs = " / ".join(f"{value:.4f}" for value in reference["val_accuracy"]).split()
    assert figures["val_accuracy"][: len(guide_epochs)] == guide_epochs  # the guide's epochs, then ours
    assert figures["ms_per_step"][0] == f"{reference['ms_per_step']:,}"
    assert "this run (IMDB, jax)" in table[0]
    assert "data: IMDB directory from COURSE_IMDB_DIR, unverified (/data/aclImdb)" in table


def test_evaluate_verbosity_is_one_line_in_batch_runs_only(config, tmp_path, monkeypatch):
    monkeypatch.delenv(COURSE_PROGRESS_FILE, raising=False)
    assert config.verbose == "auto"
    monkeypatch.setenv(COURSE_PROGRESS_FILE, str(tmp_path / "progress.json"))
    assert config.verbose == 2
