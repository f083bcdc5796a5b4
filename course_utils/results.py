"""Figures a notebook writes for tests and reports: per-epoch history, timings, parameter counts."""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras

from .runtime import CourseConfig


class EpochTimer(keras.callbacks.Callback):
    """Records wall-clock seconds of every training epoch (validation included)."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self.steps: int | None = None
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.steps = self.params.get("steps") if self.params else None


def results_path(config: CourseConfig) -> Path:
    """Where a level writes its figures: COURSE_RESULTS_DIR, else `results/` under the working directory."""
    return config.results_dir / f"level{config.level}_results.json"


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy / backend scalars
        return value.item()
    return value


def save_results(config: CourseConfig, history=None, timer: EpochTimer | None = None, **figures) -> Path:
    """Write the run's parameters, history, timings and any extra figures as JSON; return the path."""
    record = {
        "level": config.level,
        "params": {k: v for k, v in vars(config.params).items() if k != "settings"},
        "settings": vars(config.level_settings),
        "synthetic_data": config.synthetic,
        "jit_compile": config.jit_compile,
        "mixed_precision": config.mixed_precision,
        "versions": {"keras": keras.__version__},
        "reference": config.reference,
        "history": history.history if history is not None else {},
        "figures": figures,
    }
    if timer is not None and timer.seconds:
        record["seconds_per_epoch"] = timer.seconds
        if timer.steps:
            record["ms_per_step"] = [1000 * s / timer.steps for s in timer.seconds]
    record = _plain(record)
    path = results_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    print(comparison_table(record))
    print(f"figures written to {path}")
    return path


def _observed(record: dict) -> dict:
    history, figures = record["history"], record["figures"]
    observed = {key: figures[key] for key in figures if key in record["reference"]}
    if "val_sparse_categorical_accuracy" in history:
        observed["val_accuracy"] = history["val_sparse_categorical_accuracy"]
    for key in ("seconds_per_epoch", "ms_per_step"):
        if key in record:
            observed[key] = record[key]
    return observed


def _format(value) -> str:
    if isinstance(value, list):
        return " / ".join(_format(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1 else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def comparison_table(record: dict) -> str:
    """The guide's reported figures beside this run's, one row per figure both have."""
    observed = _observed(record)
    source = "SYNTHETIC data (smoke)" if record["synthetic_data"] else "real IMDB"
    rows = [f"{'figure':<20}{'guide (GPU, IMDB)':<28}this run ({source}, {record['params']['backend']})"]
    for key, reference in record["reference"].items():
        if key in observed:
            rows.append(f"{key:<20}{_format(reference):<28}{_format(observed[key])}")
    return "\n".join(rows)


def save_figure(config: CourseConfig, figure, name: str):
    """Write `figure` as levelN_<name>.png beside the results; return it, so Jupyter shows it."""
    from .plots import save_png

    save_png(figure, config.results_dir / f"level{config.level}_{name}.png")
    return figure


def predictions_on(model, dataset, preprocess=None, limit: int | None = None):
    """(texts, labels, predicted labels) of the first `limit` reviews of one pass of a (text, label) dataset.

    One pass matters: `text_dataset_from_directory` reshuffles on every pass, so the
    (text, label) batches of one pass are kept, and one `model.predict` call runs over
    exactly those (one call: each call costs seconds of set-up). `preprocess` maps raw
    text to the model's inputs, in tf.data, when the model has no preprocessor of its own.
    """
    import numpy as np
    import tensorflow as tf

    text_batches, label_batches, kept = [], [], 0
    for batch_texts, batch_labels in dataset:
        text_batches.append(batch_texts)
        label_batches.append(batch_labels)
        kept += len(batch_labels)
        if limit is not None and kept >= limit:
            break
    if not text_batches:
        return [], [], []
    texts = tf.concat(text_batches, axis=0)[:limit]
    inputs = tf.data.Dataset.from_tensor_slices(texts).batch(len(label_batches[0]))
    if preprocess is not None:
        inputs = inputs.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
    logits = model.predict(inputs.prefetch(tf.data.AUTOTUNE), verbose=0)
    labels = np.concatenate([np.asarray(b) for b in label_batches])[:limit]
    predictions = np.argmax(np.asarray(keras.ops.convert_to_numpy(logits)), axis=-1)
    return [t.decode("utf-8") for t in texts.numpy()], labels.tolist(), predictions.tolist()
