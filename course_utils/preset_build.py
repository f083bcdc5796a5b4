"""Builds the smoke presets from their recipes: `python -m course_utils.preset_build`.

`course_utils.presets` runs this module in a fresh jax process, so that training a
preset never touches the caller's random state and gives the same weights whichever
backend asked first. Every setting comes from the recipe (the cache key), and every
random choice is seeded: masks and batch order are drawn with numpy ahead of time,
because keras-hub's MaskedLMMaskGenerator uses tensorflow-text's stateful random ops,
which ignore seeds.

Where the time goes (2-core CPU, benchmarks/preset_build.py): imports and model construction, the compilation of
the training step (once per build, in the first epoch) and the training steps themselves, XLA
arithmetic on one thread. Tokenization runs in tf.data, where keras-hub takes its TensorFlow path
(called eagerly it takes a pure-Python one, 1.6 times slower, measured interleaved). Measured and
left: a `jax.lax.scan` over an epoch (compiles no faster, steps 1.3 times slower) and
`steps_per_execution=25` (no gain beyond the noise). The build prints `PROGRESS` lines on stdout,
which the parent turns into an estimate and a watchdog (`course_utils.presets.build_in_child`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

SPECIAL_TOKENS = ("[CLS]", "[PAD]", "[SEP]")  # never masked
STARTED = time.monotonic()


def mlm_masks(
    token_ids,
    rng,
    selection_rate: float,
    selection_length: int,
    mask_token_rate: float,
    random_token_rate: float,
    mask_token_id: int,
    vocabulary_size: int,
    unselectable_ids,
) -> dict:
    """BERT-style masking of a [rows, length] id array with a numpy Generator.

    As keras-hub's MaskedLMMaskGenerator does: per row, ceil(rate x selectable tokens),
    at most `selection_length`, are chosen; each becomes [MASK], a random token or
    stays, with the given rates. Returns token_ids, mask_positions, mask_ids, mask_weights.
    """
    import numpy as np

    masked = token_ids.copy()
    rows = len(token_ids)
    positions = np.zeros((rows, selection_length), "int32")
    weights = np.zeros((rows, selection_length), "float32")
    selectable = ~np.isin(token_ids, list(unselectable_ids))
    for row in range(rows):
        candidates = np.flatnonzero(selectable[row])
        count = min(selection_length, int(np.ceil(len(candidates) * selection_rate)))
        chosen = np.sort(rng.choice(candidates, size=count, replace=False))
        positions[row, :count], weights[row, :count] = chosen, 1.0
        draw = rng.random(count)
        to_mask, to_random = (
            draw < mask_token_rate,
            (draw >= mask_token_rate) & (draw < mask_token_rate + random_token_rate),
        )
        masked[row, chosen[to_mask]] = mask_token_id
        masked[row, chosen[to_random]] = rng.integers(0, vocabulary_size, int(to_random.sum()))
    mask_ids = np.take_along_axis(token_ids, positions, axis=1) * (weights > 0)
    return {"token_ids": masked, "mask_positions": positions, "mask_ids": mask_ids, "mask_weights": weights}


def masked_lm_model(backbone):
    """A BERT backbone with keras-hub's MaskedLMHead on its token embedding: inputs token_ids, segment_ids,
    padding_mask and mask_positions; outputs the logits at the masked positions."""
    import keras
    import keras_hub

    inputs = {
        name: keras.Input(shape=(None,), dtype="int32", name=name)
        for name in ("token_ids", "segment_ids", "padding_mask", "mask_positions")
    }
    sequence = backbone({k: inputs[k] for k in ("token_ids", "segment_ids", "padding_mask")})["sequence_output"]
    outputs = keras_hub.layers.MaskedLMHead(token_embedding=backbone.token_embedding)(
        sequence, mask_positions=inputs["mask_positions"]
    )
    return keras.Model(inputs, outputs)


def _read_texts(corpus: Path, splits) -> list[str]:
    return [path.read_text(encoding="utf-8") for split in splits for path in sorted((corpus / split).glob("*/*.txt"))]


def progress(stage: str, **fields) -> None:
    """One line for the parent: what the build has done (the parent's estimate and watchdog read it)."""
    elapsed = round(time.monotonic() - STARTED, 2)
    print("PROGRESS " + json.dumps({"stage": stage, "elapsed": elapsed, **fields}), flush=True)


def _preprocess(preprocessor, texts: list[str], batch_size: int = 256) -> dict:
    """Run a keras-hub preprocessor over texts in order, inside tf.data; numpy arrays per feature.

    Inside tf.data keras-hub's WordPiece tokenizer takes its TensorFlow path; called eagerly on a
    tensor it takes a pure-Python one (the 4,000 reviews, interleaved in one process at load 8:
    1.7 to 2.6 s against 2.8 to 4.5 s, the same ids). The map is ordered: rows keep the texts' order.
    """
    import numpy as np
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(batch_size)
    dataset = dataset.map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    batches = list(dataset.as_numpy_iterator())
    return {key: np.concatenate([batch[key] for batch in batches]) for key in batches[0]}


def fit_epochs(model, epochs, batch_size: int, label: str) -> None:
    """`fit` one epoch at a time on each epoch's own data (`(x, y)` or `(x, y, sample_weight)`, in the
    order to train on), reporting each epoch; the step compiles once, in the first call."""
    for number, data in enumerate(epochs, start=1):
        x, y, *weights = data
        started = time.perf_counter()
        weight = weights[0] if weights else None
        history = model.fit(x, y, sample_weight=weight, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        metrics = {key: round(values[-1], 4) for key, values in history.history.items()}
        progress(f"{label} epoch", epoch=number, seconds=round(time.perf_counter() - started, 2), **metrics)


def _rows(features: dict, order) -> dict:
    return {key: value[order] for key, value in features.items()}


def build_backbone(out: Path, recipe: dict, corpus: Path) -> None:
    """WordPiece vocabulary and MLM pretraining on the corpus's train folder (labelled + unsup; labels unused)."""
    vocab, train = recipe["vocabulary"], recipe["pretraining"]  # a bad recipe fails before the imports
    import keras
    import keras_hub
    import numpy as np
    import tensorflow as tf

    keras.utils.clear_session()  # layer names as in a fresh process, whatever was built before
    keras.utils.set_random_seed(train["seed"])
    texts = _read_texts(corpus, train["splits"])
    vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
        tf.data.Dataset.from_tensor_slices(texts).batch(256),
        vocabulary_size=vocab["size"],
        lowercase=vocab["lowercase"],
        strip_accents=vocab["strip_accents"],
        reserved_tokens=vocab["reserved_tokens"],
    )
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=vocab["lowercase"])
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=tokenizer.vocabulary_size(), **recipe["architecture"], dropout=train["dropout"]
    )
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=train["sequence_length"])
    features = _preprocess(preprocessor, texts)
    progress("backbone tokenized", texts=len(texts))

    model = masked_lm_model(backbone)
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.AdamW(train["learning_rate"]),
        weighted_metrics=["sparse_categorical_accuracy"],
    )
    rng = np.random.default_rng(train["seed"])
    progress("backbone training", epochs=train["epochs"])

    def epochs():  # fresh masks and a fresh order every epoch, all from `rng`
        for _ in range(train["epochs"]):
            order = rng.permutation(len(texts))
            masks = mlm_masks(
                features["token_ids"][order],
                rng,
                selection_rate=train["mask_selection_rate"],
                selection_length=train["mask_selection_length"],
                mask_token_rate=train["mask_token_rate"],
                random_token_rate=train["random_token_rate"],
                mask_token_id=tokenizer.token_to_id("[MASK]"),
                vocabulary_size=tokenizer.vocabulary_size(),
                unselectable_ids=[tokenizer.token_to_id(token) for token in SPECIAL_TOKENS],
            )
            x = {
                "token_ids": masks["token_ids"],
                "segment_ids": features["segment_ids"][order],
                "padding_mask": features["padding_mask"][order],
                "mask_positions": masks["mask_positions"],
            }
            yield x, masks["mask_ids"], masks["mask_weights"]

    fit_epochs(model, epochs(), train["batch_size"], "backbone")
    # Saved at keras-hub's default dropout, for the lessons that fine-tune it.
    saved = keras_hub.models.BertBackbone(vocabulary_size=tokenizer.vocabulary_size(), **recipe["architecture"])
    saved.set_weights(backbone.get_weights())
    saved.save_to_preset(str(out))
    tokenizer.save_to_preset(str(out))
    progress("backbone saved")


def build_classifier(out: Path, recipe: dict, backbone_dir: Path) -> None:
    """An sst2-style classifier: the smoke backbone fine-tuned on synthetic snippets."""
    snippets, train = recipe["snippets"], recipe["training"]
    import keras
    import keras_hub
    import numpy as np

    from . import synthetic

    keras.utils.clear_session()  # layer names as in a fresh process, whatever was built before
    keras.utils.set_random_seed(train["seed"])
    texts, labels = synthetic.short_sentences(snippets["seed"], snippets["count"], snippets["generator"]["settings"])
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset(
        str(backbone_dir), sequence_length=train["sequence_length"]
    )
    features, labels = _preprocess(preprocessor, texts), np.asarray(labels)
    progress("classifier tokenized", texts=len(texts))
    classifier = keras_hub.models.BertTextClassifier(
        backbone=keras_hub.models.BertBackbone.from_preset(str(backbone_dir), dropout=train["dropout"]),
        preprocessor=None,
        num_classes=2,
        dropout=train["dropout"],
    )
    classifier.compile(
        optimizer=keras.optimizers.Adam(train["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["sparse_categorical_accuracy"],
    )
    rng = np.random.default_rng(train["seed"])
    progress("classifier training", epochs=train["epochs"])

    def epochs():
        for _ in range(train["epochs"]):
            order = rng.permutation(len(texts))
            yield _rows(features, order), labels[order]

    fit_epochs(classifier, epochs(), train["batch_size"], "classifier")
    # Save a fresh copy carrying the trained weights: no optimizer state, keras-hub's default dropout,
    # and the preprocessor at BERT's full length, like keras-hub's own sst2 preset.
    clean = keras_hub.models.BertTextClassifier(
        backbone=keras_hub.models.BertBackbone.from_preset(str(backbone_dir), load_weights=False),
        preprocessor=keras_hub.models.BertTextClassifierPreprocessor.from_preset(str(backbone_dir)),
        num_classes=2,
    )
    clean.set_weights(classifier.get_weights())
    clean.save_to_preset(str(out))
    progress("classifier saved")


BUILDERS = {"backbone": build_backbone, "classifier": build_classifier}


def die_with_parent(parent: int) -> None:
    """Get SIGKILL when the parent dies (Linux), so a killed kernel leaves no builder behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the signal was armed
        sys.exit(1)


def pin_numerics() -> None:
    """Before jax loads: the same arithmetic whoever runs the build, on whatever machine load.

    jax on the CPU, whatever the caller's backend or accelerator; XLA's matrix products on one
    thread, because how Eigen splits them over threads changes the last bits of the weights
    (measured: one-thread and two-thread builds of the classifier differ in every tensor); and
    none of the caller's JAX_/XLA_ settings (a test's two virtual devices, x64, ...).
    """
    for name in [name for name in os.environ if name.startswith(("JAX_", "XLA_"))]:
        del os.environ[name]
    os.environ.update(
        KERAS_BACKEND="jax",
        JAX_PLATFORMS="cpu",
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.preset_build", description=__doc__)
    parser.add_argument(
        "--jobs",
        required=True,
        help='the presets to build, in order, as JSON: [{"recipe": ..., "source": ..., "out": ...}]; the source '
        "is the corpus (backbone) or the backbone preset (classifier), the out an empty folder",
    )
    parser.add_argument("--parent", type=int, help="die when this process dies")
    args = parser.parse_args(argv)
    if args.parent:
        die_with_parent(args.parent)
    pin_numerics()
    for job in json.loads(args.jobs):
        recipe = job["recipe"]
        progress("started", kind=recipe["kind"])
        BUILDERS[recipe["kind"]](Path(job["out"]), recipe, Path(job["source"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
