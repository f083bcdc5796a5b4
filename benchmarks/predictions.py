"""predictions_on against evaluate on the same reviews, per backend: the confusion-matrix cell's cost.

    .venv/bin/python benchmarks/predictions.py            # every backend, one child process each
    .venv/bin/python benchmarks/predictions.py --backend torch

Smoke profile (synthetic reviews, the course's offline presets), the whole test split, batch 16.
Two paths, as the notebooks take them: `task` (levels 1-2: a classifier with its own
preprocessor gets raw strings) and `preprocess` (levels 3-4: no preprocessor in the model,
`preprocess=` maps the preset preprocessor). Each is timed cold (first call, as in a
notebook, compilation included: evaluate then predictions_on) and warm (the median ratio of
three more back-to-back pairs, so that load from other processes hits both sides alike).
Both start from the raw reviews: evaluate's dataset, mapping included, is built inside its
timing, as predictions_on builds its own.
Prints one JSON line per backend and path, then a table; the course's target is a ratio
of at most 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from course_utils.config import BACKENDS
from course_utils.layout import ROOT

TARGET = 1.5
WARM_PAIRS = 3  # evaluate / predictions_on pairs after the cold one; the warm ratio is their median


def _seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(backend: str) -> list[dict]:
    """Time evaluate and predictions_on, cold then warm, on both paths (in this process's backend)."""
    import course_utils

    cfg = course_utils.setup(level=3, backend=backend, profile="smoke", verbose=False)
    import keras
    import keras_hub
    import tensorflow as tf

    from course_utils.results import predictions_on

    def reviews():
        return keras.utils.text_dataset_from_directory(
            cfg.test_dir, batch_size=cfg.batch_size, seed=cfg.seed, verbose=False
        )

    preprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset(
        cfg.backbone_preset, sequence_length=cfg.sequence_length
    )
    paths = {}
    task = keras_hub.models.BertTextClassifier.from_preset(cfg.backbone_preset, num_classes=2)
    task.preprocessor.sequence_length = cfg.sequence_length
    paths["task"] = (task, None, reviews)
    bare = keras_hub.models.BertTextClassifier.from_preset(cfg.backbone_preset, preprocessor=None, num_classes=2)
    paths["preprocess"] = (bare, preprocessor, lambda: reviews().map(preprocessor, tf.data.AUTOTUNE))
    rows = []
    for name, (model, preprocess, evaluated) in paths.items():
        model.compile(
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["sparse_categorical_accuracy"],
            jit_compile=cfg.jit_compile,
        )
        pairs = []
        for _ in range(1 + WARM_PAIRS):  # the first pair is cold
            evaluate_s = _seconds(lambda model=model, evaluated=evaluated: model.evaluate(evaluated(), verbose=0))
            predictions_s = _seconds(
                lambda model=model, preprocess=preprocess: predictions_on(
                    model, reviews(), preprocess=preprocess, limit=None
                )
            )
            pairs.append((evaluate_s, predictions_s))
        warm_ratios = sorted(p / e for e, p in pairs[1:])
        rows.append(
            {
                "backend": backend,
                "path": name,
                "reviews": sum(1 for _ in reviews().unbatch()),
                "evaluate_s_cold": pairs[0][0],
                "predictions_on_s_cold": pairs[0][1],
                "ratio_cold": pairs[0][1] / pairs[0][0],
                "evaluate_s_warm": [e for e, _ in pairs[1:]],
                "predictions_on_s_warm": [p for _, p in pairs[1:]],
                "ratio_warm": warm_ratios[len(warm_ratios) // 2],
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=BACKENDS, help="measure in this process (default: each in a child)")
    args = parser.parse_args()
    if args.backend:
        for row in measure(args.backend):
            print(json.dumps(row), flush=True)
        return
    rows = []
    for backend in BACKENDS:
        result = subprocess.run(
            [sys.executable, __file__, "--backend", backend],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "KERAS_BACKEND": backend},
            timeout=1800,
        )
        if result.returncode:
            sys.exit(f"{backend} failed:\n{result.stderr[-3000:]}")
        for line in result.stdout.splitlines():
            if line.startswith("{"):
                print(line, flush=True)
                rows.append(json.loads(line))
    print(
        f"\n{'backend':<11}{'path':<11}{'reviews':>8}{'evaluate s cold':>17}{'predictions_on s cold':>23}"
        f"{'ratio cold':>12}{'ratio warm':>12}"
    )
    for r in rows:
        print(
            f"{r['backend']:<11}{r['path']:<11}{r['reviews']:>8}{r['evaluate_s_cold']:>17.2f}"
            f"{r['predictions_on_s_cold']:>23.2f}{r['ratio_cold']:>12.2f}{r['ratio_warm']:>12.2f}"
        )
    worst = max(max(r["ratio_cold"], r["ratio_warm"]) for r in rows)
    print(f"\nworst ratio {worst:.2f}: {'meets' if worst <= TARGET else 'MISSES'} the target of {TARGET}")


if __name__ == "__main__":
    main()
