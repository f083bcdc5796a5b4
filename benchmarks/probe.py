"""Linear probe: how much sentiment do the frozen smoke backbone's features carry?

Level 4 trains new layers on a frozen backbone, so it can only learn the task if
the backbone's features already hold it. This script fits a logistic regression
(the "linear probe") on frozen features of the synthetic training reviews and
prints its accuracy on the synthetic test reviews, for two poolings: the [CLS]
vector and the mean over real tokens. A bag-of-words logistic regression on the
same text shows how learnable the task is from words alone.

    .venv/bin/python benchmarks/probe.py [--model-size tiny] [--sequence-length 64]

It uses (and builds, once) the cache's smoke backbone, on the corpus a notebook
run with the default seed reads. All figures are from SYNTHETIC data.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from course_utils.config import DEFAULTS, LEVEL_SETTINGS  # noqa: E402

L2 = 1e-2  # ridge penalty of the probe, on standardised features


def logistic_regression(train_x, train_y, test_x, test_y, steps: int = 25) -> float:
    """Fit an L2-regularised logistic regression by Newton's method; return test accuracy."""
    mean, scale = train_x.mean(0), train_x.std(0) + 1e-6

    def design(x):
        return np.hstack([(x - mean) / scale, np.ones((len(x), 1))])

    a, b = design(train_x), design(test_x)
    weights = np.zeros(a.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-a @ weights))
        gradient = a.T @ (p - train_y) / len(a) + L2 * weights
        hessian = (a * (p * (1 - p))[:, None]).T @ a / len(a) + L2 * np.eye(a.shape[1])
        weights -= np.linalg.solve(hessian, gradient)
    return float(np.mean((b @ weights > 0) == test_y))


def read_split(folder: Path) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    for label, name in enumerate(("neg", "pos")):
        for path in sorted((folder / name).glob("*.txt")):
            texts.append(path.read_text(encoding="utf-8"))
            labels.append(label)
    return texts, np.asarray(labels, "float64")


def frozen_features(backbone_dir: str, texts: list[str], sequence_length: int) -> dict[str, np.ndarray]:
    """[CLS] vectors and masked mean-pooled vectors of the backbone's sequence output.

    The texts are tokenized in tf.data, where keras-hub takes its TensorFlow path (called eagerly, its
    WordPiece tokenizer takes a pure-Python one, about three times slower).
    """
    import keras_hub
    import tensorflow as tf

    preprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset(
        backbone_dir, sequence_length=sequence_length
    )
    backbone = keras_hub.models.BertBackbone.from_preset(backbone_dir)
    cls, mean = [], []
    batches = tf.data.Dataset.from_tensor_slices(texts).batch(256)
    for inputs in batches.map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE).as_numpy_iterator():
        sequence = np.asarray(backbone(inputs)["sequence_output"])
        mask = np.asarray(inputs["padding_mask"], "float32")[..., None]
        cls.append(sequence[:, 0])
        mean.append((sequence * mask).sum(1) / mask.sum(1))
    return {"cls": np.concatenate(cls), "mean": np.concatenate(mean)}


def bag_of_words(train: list[str], test: list[str]) -> tuple[np.ndarray, np.ndarray]:
    def words(text):
        return set(re.findall(r"[a-z]+", text.lower()))

    vocabulary = sorted(set().union(*map(words, train)))
    index = {word: i for i, word in enumerate(vocabulary)}

    def encode(texts):
        matrix = np.zeros((len(texts), len(vocabulary)))
        for row, text in enumerate(texts):
            matrix[row, [index[w] for w in words(text) if w in index]] = 1
        return matrix

    return encode(train), encode(test)


def probe(backbone_dir: str, corpus: Path, sequence_length: int) -> dict[str, float]:
    """Probe accuracies on the test split: frozen [CLS], frozen mean, bag of words."""
    train_texts, train_y = read_split(corpus / "train")
    test_texts, test_y = read_split(corpus / "test")
    train_f = frozen_features(backbone_dir, train_texts, sequence_length)
    test_f = frozen_features(backbone_dir, test_texts, sequence_length)
    figures = {name: logistic_regression(train_f[name], train_y, test_f[name], test_y) for name in train_f}
    train_words, test_words = bag_of_words(train_texts, test_texts)
    figures["bag_of_words"] = logistic_regression(train_words, train_y, test_words, test_y)
    return figures


def main() -> None:
    from course_utils.data import synthetic_imdb
    from course_utils.environment import cache_dir as default_cache_dir
    from course_utils.presets import smoke_backbone

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-size", default="tiny")
    parser.add_argument("--sequence-length", type=int, default=LEVEL_SETTINGS[4]["smoke"]["sequence_length"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="corpus seed (notebooks: 42)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead (for run_all.py)")
    args = parser.parse_args()
    cache_dir = default_cache_dir()
    backbone = str(smoke_backbone(cache_dir, args.model_size))
    figures = probe(backbone, synthetic_imdb(cache_dir, args.seed), args.sequence_length)
    if args.json:
        print(json.dumps({**figures, "backbone": Path(backbone).name, "sequence_length": args.sequence_length}))
        return
    print(f"backbone: {backbone}")
    print(f"linear probe on frozen features, SYNTHETIC test split (sequence_length={args.sequence_length}):")
    print(f"  [CLS] vector      {figures['cls']:.3f}")
    print(f"  mean over tokens  {figures['mean']:.3f}")
    print(f"  bag of words      {figures['bag_of_words']:.3f}  (no backbone: how learnable the task is)")


if __name__ == "__main__":
    main()
