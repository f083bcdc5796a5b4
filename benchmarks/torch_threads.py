"""Wall seconds per training step on torch (CPU) at each intra-op thread count, per input situation.

Two situations, as the notebooks feed their models:
- `raw`: raw strings, tokenized and packed by tf.data while the model trains (levels 1, 2 and 5),
  so tf.data's threads compete with torch's for the cores;
- `cached`: input preprocessed once and cached (levels 3, 4 and 6), so torch has the CPU to itself.

    KERAS_BACKEND=torch python benchmarks/torch_threads.py --shape guide --steps 6 --rounds 3

`--pair` runs a second copy beside it, stepping the same model on cached input at the same thread
count (it follows each switch): two notebooks at once, as the runner's two workers run them on 2
cores.

Thread counts alternate round by round in one process (1, 2, ..., then reversed), so drift hits
all alike. A step's wall time is the median interval between consecutive `on_train_batch_end`
calls (input waits included, the first two steps of each round skipped). Prints one JSON line per
(shape, situation, threads) with the median over all rounds' steps, and the ratio to the best.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from step_time import bert_shape  # benchmarks/ is on sys.path when this file runs

SHAPES = {  # shape: (profile, model size)
    # bert_tiny and bert_small as keras-hub ships them, at the guide's sequence 512, batch 16
    "guide": ("full", "tiny"),
    "guide-small": ("full", "small"),
    # the smoke profile's tiny model and length
    "smoke": ("smoke", "tiny"),
}


def _datasets(shape: dict, reviews: int):
    """(raw, cached, vocabulary size): tf.data pipelines of (BERT inputs, label) over IMDB-long synthetic reviews."""
    import keras_hub
    import tensorflow as tf

    from course_utils import synthetic

    rng = random.Random(0)
    labels = [i % 2 for i in range(reviews)]
    texts = [synthetic.review(rng, label, length=(10, 40)) for label in labels]
    # A whole-word WordPiece vocabulary of these reviews: tokenizing costs what BERT's does per word.
    words = sorted({w for t in texts for w in tf.strings.split(tf.strings.lower(t)).numpy().astype(str)})
    tokenizer = keras_hub.models.BertTokenizer(
        vocabulary=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words], lowercase=True
    )
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=shape["sequence"])
    strings = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(shape["batch"])
    raw = strings.map(lambda x, y: (preprocessor(x), y), tf.data.AUTOTUNE).repeat().prefetch(tf.data.AUTOTUNE)
    cached = strings.map(lambda x, y: (preprocessor(x), y), tf.data.AUTOTUNE).cache()
    for _ in cached:  # fill the cache once, as epoch 1 does
        pass
    return raw, cached.repeat().prefetch(tf.data.AUTOTUNE), tokenizer.vocabulary_size()


def _model(shape: dict, vocabulary_size: int):
    import keras
    import keras_hub

    backbone = keras_hub.models.BertBackbone(
        **{**shape["backbone"], "vocabulary_size": max(shape["backbone"]["vocabulary_size"], vocabulary_size)}
    )
    model = keras_hub.models.BertTextClassifier(backbone, num_classes=2, preprocessor=None)
    model.compile(
        optimizer=keras.optimizers.AdamW(5e-5),
        jit_compile=False,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def _step_intervals(model, dataset, steps: int) -> list[float]:
    import keras

    stamps = []
    stamper = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: stamps.append(time.perf_counter()))
    model.fit(dataset, steps_per_epoch=steps + 2, epochs=1, verbose=0, callbacks=[stamper])
    return [b - a for a, b in itertools.pairwise(stamps[1:])]


def _follow(model, dataset, threads_file: Path) -> None:
    """The `--pair` copy: train until killed, at the thread count the measuring process last wrote."""
    import keras
    import torch

    def match(batch, logs):
        torch.set_num_threads(int(threads_file.read_text()))
        threads_file.with_suffix(".ready").touch()

    callback = keras.callbacks.LambdaCallback(on_train_batch_end=match)
    model.fit(dataset, steps_per_epoch=10**9, epochs=1, verbose=0, callbacks=[callback])


def _write_atomically(path: Path, text: str) -> None:
    """So that the copy never reads a half-written file."""
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    partial.replace(path)


@contextlib.contextmanager
def _copy_beside(shape: str, threads: int):
    """The `--pair` copy, started and stepping while the block runs; yields the file it takes its threads from."""
    with tempfile.TemporaryDirectory(prefix="torch-threads-") as scratch:
        threads_file = Path(scratch) / "threads"
        _write_atomically(threads_file, str(threads))
        copy = subprocess.Popen(
            [sys.executable, __file__, "--shape", shape, "--follow", str(threads_file)],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while not threads_file.with_suffix(".ready").exists():
                if copy.poll() is not None:
                    raise SystemExit(f"the --pair copy exited with {copy.returncode}")
                time.sleep(0.5)
            yield threads_file
        finally:
            copy.kill()
            copy.wait()


def _measure(model, datasets: dict, threads: list[int], args, threads_file: Path | None) -> list[dict]:
    """One row per (situation, thread count): the median step over all rounds, and its ratio to the best."""
    import torch

    rows = []
    for situation, dataset in datasets.items():
        intervals = {count: [] for count in threads}
        _step_intervals(model, dataset, 2)  # warm-up
        for round_ in range(args.rounds):
            for count in threads if round_ % 2 == 0 else threads[::-1]:
                torch.set_num_threads(count)
                if threads_file:  # the copy switches after its current step; two untimed steps cover it
                    _write_atomically(threads_file, str(count))
                    _step_intervals(model, dataset, 0)
                intervals[count] += _step_intervals(model, dataset, args.steps)
        medians = {count: statistics.median(values) for count, values in intervals.items()}
        best = min(medians.values())
        rows += [
            {
                "situation": situation,
                "threads": count,
                "cores": os.cpu_count(),
                "load_average": round(os.getloadavg()[0], 1),
                "steps": len(intervals[count]),
                "seconds_per_step": seconds,
                "ratio_to_best": seconds / best,
            }
            for count, seconds in medians.items()
        ]
    return rows


def markdown(rows: list[dict]) -> str:
    """BENCHMARKS.md's section from the JSON rows of one or more runs."""
    lines = [
        "## torch threads on CPU, per input situation",
        "",
        "`KERAS_BACKEND=torch python benchmarks/torch_threads.py --shape SHAPE`: wall seconds per training step "
        "(median interval between steps, input waits included) at each `torch.set_num_threads`, thread counts "
        "alternating in one process. `cached`: input preprocessed once (levels 3, 4, 6); `raw`: tf.data "
        "tokenizes while the model trains (levels 1, 2, 5). `beside`: `a copy` (`--pair`) is a second copy "
        "stepping the same model at the same thread count, as the runner's two workers run two notebooks on "
        "2 cores. The load average is the machine's when the row was written, so compare rows of one shape, "
        "situation and `beside` only.",
        "",
        "| shape | situation | beside | threads | s/step | vs best | steps | load average |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['shape']} | {r['situation']} | {'a copy' if r.get('pair') else 'none'} | {r['threads']} | "
        f"{r['seconds_per_step']:.3f} | "
        f"{r['ratio_to_best']:.2f} | {r['steps']} | {r.get('load_average', '-')} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="guide")
    parser.add_argument("--steps", type=int, default=6, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=None, help="default: 1 .. cores")
    parser.add_argument("--pair", action="store_true", help="a second copy steps beside this one (see above)")
    parser.add_argument("--follow", type=Path, help=argparse.SUPPRESS)  # set by --pair for its copy
    args = parser.parse_args()
    shape = bert_shape(*SHAPES[args.shape])
    threads = args.threads or list(range(1, (os.cpu_count() or 2) + 1))
    raw, cached, vocabulary_size = _datasets(shape, reviews=shape["batch"] * (args.steps + 2) * 4)
    model = _model(shape, vocabulary_size)
    if args.follow:
        return _follow(model, cached, args.follow)
    with _copy_beside(args.shape, threads[0]) if args.pair else contextlib.nullcontext() as threads_file:
        rows = _measure(model, {"cached": cached, "raw": raw}, threads, args, threads_file)
    for row in rows:
        print(json.dumps({"shape": args.shape, "pair": args.pair, **row}), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["KERAS_BACKEND"] = "torch"
    main()
