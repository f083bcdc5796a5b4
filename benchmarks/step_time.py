"""Seconds per training step of each level's model: the course's settings against the guide's literal ones.

Run once per backend (the backend is fixed per process):
    KERAS_BACKEND=jax python benchmarks/step_time.py --shape smoke
Prints one JSON line per level: median seconds per step for each, the median ratio guide/course of
the interleaved step pairs with its quartiles, and a verdict (a tie when the quartiles straddle 1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from course_utils.config import ARCHITECTURES, DEFAULTS, GUIDE_VOCABULARY_SIZE, LEVEL_SETTINGS, resolve_params
from course_utils.presets import BACKBONE_SETTINGS

# shape: the profile whose model, level settings and sequence length are measured (`guide`: bert_tiny as in
# the guide, vocabulary 30,522, sequence 512, batch 16; `smoke`: the smoke profile's tiny model and lengths)
SHAPES = {"guide": "full", "smoke": "smoke"}


def bert_shape(profile: str, model_size: str = "tiny") -> dict:
    """A BERT at a profile's architecture (keras-hub's vocabulary in `full`, the smoke presets' bound in
    `smoke`), level 2's sequence length, the course's batch size."""
    vocabulary = GUIDE_VOCABULARY_SIZE if profile == "full" else BACKBONE_SETTINGS["vocabulary"]["size"]
    return {
        "profile": profile,
        "model_size": model_size,
        "batch": DEFAULTS["batch_size"],
        "sequence": LEVEL_SETTINGS[2][profile]["sequence_length"],
        "backbone": dict(vocabulary_size=vocabulary, **ARCHITECTURES[profile][model_size]),
    }


def build(level: int, shape: dict):
    """The level's trainable model at this shape and the level's settings, with random weights, and a batch."""
    import keras
    import keras_hub

    from course_utils.preset_build import masked_lm_model

    rng = np.random.default_rng(0)
    n, length = shape["batch"], shape["sequence"]
    settings = resolve_params(
        level,
        backend=keras.backend.backend(),
        profile=shape["profile"],
        model_size=shape["model_size"],
        sequence_length=length,
    ).level_settings
    vocabulary = settings.vocabulary_size if level == 6 else shape["backbone"]["vocabulary_size"]
    token_ids = rng.integers(5, vocabulary, size=(n, length)).astype("int32")
    bert = dict(token_ids=token_ids, segment_ids=np.zeros_like(token_ids), padding_mask=np.ones_like(token_ids))
    labels = rng.integers(0, 2, size=(n,)).astype("int32")
    if level == 6:
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = keras_hub.layers.TokenAndPositionEmbedding(vocabulary, length, settings.embedding_dim)(inputs)
        x = keras_hub.layers.TransformerEncoder(
            num_heads=settings.encoder_heads, intermediate_dim=settings.encoder_intermediate_dim, dropout=0.1
        )(x)
        return keras.Model(inputs, keras.layers.Dense(2)(x[:, 0, :])), token_ids, labels
    backbone = keras_hub.models.BertBackbone(**shape["backbone"])
    if level in (2, 3):
        model = keras_hub.models.BertTextClassifier(backbone, num_classes=2, preprocessor=None)
        return model, bert, labels
    if level == 4:
        backbone.trainable = False
        sequence = backbone(backbone.input)["sequence_output"]
        for _ in range(2):
            sequence = keras_hub.layers.TransformerEncoder(
                num_heads=settings.encoder_heads, intermediate_dim=settings.encoder_intermediate_dim, dropout=0.1
            )(sequence)
        outputs = keras.layers.Dense(2)(sequence[:, backbone.cls_token_index, :])
        return keras.Model(backbone.input, outputs), bert, labels
    # level 5: masked LM on the level's mask_selection_length positions (64 guide, 16 smoke)
    masks = settings.mask_selection_length
    positions = np.sort(rng.choice(np.arange(1, length), size=(n, masks)), axis=1).astype("int32")
    mlm_labels = rng.integers(5, vocabulary, size=(n, masks)).astype("int32")
    return masked_lm_model(backbone), {**bert, "mask_positions": positions}, mlm_labels


def compiled(level: int, shape: dict, jit_compile, policy: str):
    """Build and compile the level's model under a dtype policy, run two warm-up steps (compilation)."""
    import keras

    keras.mixed_precision.set_global_policy(policy)  # layers take the policy when they are built
    model, x, y = build(level, shape)
    model.compile(
        optimizer=keras.optimizers.AdamW(5e-5),
        jit_compile=jit_compile,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    for _ in range(2):
        model.train_on_batch(x, y)
    return lambda: model.train_on_batch(x, y)


def paired_steps(level: int, shape: dict, pairs: int) -> dict:
    """Course and guide models in one process, steps interleaved (ABBA) so drift hits both alike."""
    import keras

    from course_utils.runtime import gpu_present, training_settings

    backend = keras.backend.backend()
    gpu = gpu_present(backend)
    course_jit, course_policy = training_settings(backend, gpu)
    steps = {
        "course": compiled(level, shape, course_jit, course_policy),
        "guide": compiled(level, shape, True, "mixed_float16"),
    }
    times = {"course": [], "guide": []}
    for i in range(pairs):
        for name in ("course", "guide") if i % 2 == 0 else ("guide", "course"):
            start = time.perf_counter()
            steps[name]()
            times[name].append(time.perf_counter() - start)
    ratios = sorted(g / c for g, c in zip(times["guide"], times["course"], strict=True))
    quartiles = statistics.quantiles(ratios, n=4, method="inclusive")
    return {
        "backend": backend,
        "gpu": gpu,
        "shape": shape["name"],
        "level": level,
        "sequence": shape["sequence"],
        "course_policy": course_policy,
        "course_jit": str(course_jit),
        "pairs": pairs,
        "course_s": statistics.median(times["course"]),
        "guide_s": statistics.median(times["guide"]),
        "ratio": statistics.median(ratios),
        "ratio_q1": quartiles[0],
        "ratio_q3": quartiles[2],
    }


def verdict(row: dict) -> str:
    """'course faster', 'guide faster' or 'tie' from the quartiles of the per-pair ratios guide/course."""
    if row["ratio_q1"] > 1:
        return "course faster"
    if row["ratio_q3"] < 1:
        return "guide faster"
    return "tie (within noise)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="smoke")
    parser.add_argument("--levels", type=int, nargs="+", default=[2, 4, 5, 6])
    parser.add_argument("--sequence", type=int, help="override the shape's sequence length")
    parser.add_argument("--pairs", type=int, default=8, help="timed (course, guide) step pairs")
    args = parser.parse_args()
    shape = dict(bert_shape(SHAPES[args.shape]), name=args.shape)
    if args.sequence:
        shape.update(sequence=args.sequence, name=f"{args.shape}, sequence {args.sequence}")
    for level in args.levels:
        row = paired_steps(level, shape, args.pairs)
        print(json.dumps({**row, "verdict": verdict(row)}), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
