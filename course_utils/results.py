"""Figures a notebook writes for tests and reports: per-epoch history, timings, parameter counts."""

from __future__ import annotations

import json
from pathlib import Path

import keras

from .config import VALIDATION_SPLIT, format_figure, guide_test_accuracy
from .layout import figure_file, results_file
from .runtime import CourseConfig, run_parameters
from .timing import EpochTimer


def results_path(config: CourseConfig) -> Path:
    """Where a level writes its figures: COURSE_RESULTS_DIR, else `results/` under the working directory."""
    return results_file(config.results_dir, config.level)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy / backend scalars
        return value.item()
    return value


def save_results(config: CourseConfig, history=None, timer: EpochTimer | None = None, **figures) -> Path:
    """Write the run's parameters, provenance, history, timings and extra figures as JSON; return the path.

    Levels pass `test_accuracy=` and `test_loss=` from their one evaluation of the test split.
    `jit_compile` is what training ran (from the timer; None when nothing trained) beside
    `jit_compile_requested`, the course's choice; `ms_per_step` is the median training step alone.
    """
    record = {
        "level": config.level,
        "params": run_parameters(config),
        "settings": vars(config.level_settings),
        "synthetic_data": config.synthetic,
        "provenance": config.provenance(),
        "jit_compile_requested": config.jit_compile,
        "jit_compile": timer.jit_compile if timer is not None else None,
        "mixed_precision": config.mixed_precision,
        "versions": {"keras": keras.__version__},
        "reference": config.reference,
        "history": history.history if history is not None else {},
        "figures": figures,
    }
    if timer is not None and timer.seconds:
        record["seconds_per_epoch"] = timer.seconds
        record["steps_per_epoch"] = timer.steps
        record["ms_per_step"] = timer.ms_per_step
    record = _plain(record)
    path = results_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    print(comparison_table(record))
    print(f"figures written to {path}")
    return path


def _compared(record: dict) -> list[tuple[str, object, object]]:
    """(figure, guide's value, this run's value) for every figure the guide reports."""
    reference, history, figures = record["reference"], record["history"], record["figures"]
    rows = [
        ("test_accuracy", guide_test_accuracy(reference), figures.get("test_accuracy")),
        ("test_loss", reference.get("test_loss"), figures.get("test_loss")),
        ("val_accuracy", reference.get("val_accuracy"), history.get("val_sparse_categorical_accuracy")),
        ("seconds_per_epoch", reference.get("seconds_per_epoch"), record.get("seconds_per_epoch")),
        ("ms_per_step", reference.get("ms_per_step"), record.get("ms_per_step")),
    ]
    shown = {name for name, _, _ in rows}
    rows += [(key, value, figures.get(key)) for key, value in reference.items() if key not in shown]
    return [(name, guide, run) for name, guide, run in rows if guide is not None]


def comparison_table(record: dict) -> str:
    """The guide's reported figures beside this run's, with what each figure means and the run's sources."""
    source = "SYNTHETIC data (smoke)" if record["synthetic_data"] else "IMDB"
    rows = [f"{'figure':<20}{'guide (GPU, IMDB)':<28}this run ({source}, {record['params']['backend']})"]
    rows += [f"{name:<20}{format_figure(guide):<28}{format_figure(run)}" for name, guide, run in _compared(record)]
    provenance = record.get("provenance", {})
    presets = "; ".join(f"{kind}: {text}" for kind, text in provenance.get("presets", {}).items()) or "none"
    rows += [
        "",
        "test_accuracy: the guide's is its final val_accuracy, which it measured on the test split; this "
        "run's is its one evaluation of the test split, after training.",
        f"val_accuracy: this run validates on {VALIDATION_SPLIT:.0%} of the training reviews, held out; "
        "the guide validated on the test split.",
        "ms_per_step: this run's is the median training step alone (no validation, no compiling first "
        "step); seconds_per_epoch includes both. The guide's is Keras' progress-bar figure, validation included.",
        f"jit_compile: {record.get('jit_compile')} in training (asked: {record.get('jit_compile_requested')})",
        f"data: {provenance.get('data', '-')}",
        f"presets: {presets}",
    ]
    return "\n".join(rows)


def save_figure(config: CourseConfig, figure, name: str):
    """Write `figure` as levelN_<name>.png beside the results; return it, so Jupyter shows it."""
    from .plots import save_png

    save_png(figure, figure_file(config.results_dir, config.level, name))
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


# --- Level 1: review lengths in tokens ---


def token_lengths(tokenizer, dataset, limit: int | None = None):
    """Tokens per review, [CLS] and [SEP] included, of the first `limit` reviews of one pass of a
    (text, label) dataset; the tokenizer runs inside tf.data, as it does in `fit` and `evaluate`."""
    import numpy as np

    lengths, kept = [], 0
    for batch in dataset.map(lambda texts, labels: tokenizer(texts).row_lengths()):
        lengths.append(np.asarray(batch) + 2)
        kept += len(lengths[-1])
        if limit is not None and kept >= limit:
            break
    return np.concatenate(lengths)[:limit] if lengths else np.zeros(0, dtype=int)


# --- Level 3 (notebook 03) ---


def read_through(dataset):
    """Read `dataset` to its end once and return its first batch's (labels, token_ids) as numpy.

    A `cache()` is complete only after a whole pass, so a half-read pass would neither fill the
    cache nor show what a second epoch would see.
    """
    import numpy as np

    batches = iter(dataset)
    features, labels = next(batches)
    for _ in batches:
        pass
    return np.asarray(labels), np.asarray(features["token_ids"])


# --- Level 5: masked language modelling ---------------------------------------------------------


def masked_lm_loss(model, dataset) -> float:
    """Mean cross-entropy per scored slot of an MLM model over a (features, labels, weights) dataset.

    Sums weight x loss over all slots and divides by the sum of the weights, so empty slots
    (weight 0) leave both the numerator and the denominator. Keras' default loss reduction
    (`sum_over_batch_size`) divides by every slot instead, which shrinks the reported loss
    when slots are empty. Batches run one at a time (`predict_on_batch`): one pass of a masked
    dataset draws its masks once, so features, labels and weights come from the same batch.
    """
    import numpy as np

    total, weight = 0.0, 0.0
    for features, labels, weights in dataset:
        logits = np.asarray(model.predict_on_batch({k: v.numpy() for k, v in features.items()}), dtype="float32")
        top = logits.max(axis=-1, keepdims=True)
        log_norm = np.log(np.exp(logits - top).sum(axis=-1)) + top[..., 0]
        picked = np.take_along_axis(logits, labels.numpy()[..., None].astype("int64"), axis=-1)[..., 0]
        w = weights.numpy().astype("float64")
        total += float(np.sum((log_norm - picked) * w))
        weight += float(np.sum(w))
    return total / weight
