"""Seconds per training step of each level's model: the course's settings against the guide's literal ones.

Run once per backend (the backend is fixed per process):
    KERAS_BACKEND=jax python benchmarks/step_time.py --shape smoke
Prints one JSON line per (level, settings) with the median step time after warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

SHAPES = {
    # bert_tiny as in the guide: vocabulary 30,522, 2 layers, hidden 128, sequence 512, batch 16
    "guide": dict(vocabulary=30522, layers=2, hidden=128, heads=2, ffn=512, sequence=512, batch=16),
    # the smoke profile's tiny model and lengths
    "smoke": dict(vocabulary=256, layers=2, hidden=32, heads=2, ffn=64, sequence=64, batch=16),
}


def build(level: int, shape: dict):
    """The level's trainable model at this shape, with random weights, and a batch for it."""
    import keras
    import keras_hub

    rng = np.random.default_rng(0)
    n, length = shape["batch"], shape["sequence"]
    token_ids = rng.integers(5, shape["vocabulary"], size=(n, length)).astype("int32")
    bert = dict(token_ids=token_ids, segment_ids=np.zeros_like(token_ids), padding_mask=np.ones_like(token_ids))
    labels = rng.integers(0, 2, size=(n,)).astype("int32")
    if level == 6:
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = keras_hub.layers.TokenAndPositionEmbedding(shape["vocabulary"], length, 64)(inputs)
        x = keras_hub.layers.TransformerEncoder(num_heads=2, intermediate_dim=128, dropout=0.1)(x)
        return keras.Model(inputs, keras.layers.Dense(2)(x[:, 0, :])), token_ids, labels
    backbone = keras_hub.models.BertBackbone(vocabulary_size=shape["vocabulary"], num_layers=shape["layers"],
                                             num_heads=shape["heads"], hidden_dim=shape["hidden"],
                                             intermediate_dim=shape["ffn"])
    if level in (2, 3):
        model = keras_hub.models.BertTextClassifier(backbone, num_classes=2, preprocessor=None)
        return model, bert, labels
    if level == 4:
        backbone.trainable = False
        sequence = backbone(backbone.input)["sequence_output"]
        for _ in range(2):
            sequence = keras_hub.layers.TransformerEncoder(num_heads=2, intermediate_dim=512, dropout=0.1)(sequence)
        outputs = keras.layers.Dense(2)(sequence[:, backbone.cls_token_index, :])
        return keras.Model(backbone.input, outputs), bert, labels
    # level 5: masked LM on 64 (guide) or 16 (smoke) positions
    masks = min(64, length // 4)
    inputs = {k: keras.Input(shape=(None,), dtype="int32", name=k)
              for k in ("token_ids", "segment_ids", "padding_mask", "mask_positions")}
    sequence = backbone({k: inputs[k] for k in ("token_ids", "segment_ids", "padding_mask")})["sequence_output"]
    outputs = keras_hub.layers.MaskedLMHead(token_embedding=backbone.token_embedding)(
        sequence, mask_positions=inputs["mask_positions"])
    positions = np.sort(rng.choice(np.arange(1, length), size=(n, masks)), axis=1).astype("int32")
    mlm_labels = rng.integers(5, shape["vocabulary"], size=(n, masks)).astype("int32")
    return keras.Model(inputs, outputs), {**bert, "mask_positions": positions}, mlm_labels


def time_steps(level: int, shape: dict, guide_settings: bool, steps: int) -> float:
    """Median seconds per train_on_batch after two warm-up steps (compilation excluded)."""
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16" if guide_settings else "float32")
    model, x, y = build(level, shape)
    jit = True if guide_settings else (False if keras.backend.backend() == "torch" else "auto")
    model.compile(optimizer=keras.optimizers.AdamW(5e-5), jit_compile=jit,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    for _ in range(2):
        model.train_on_batch(x, y)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="smoke")
    parser.add_argument("--levels", type=int, nargs="+", default=[2, 4, 5, 6])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--settings", choices=["course", "guide"], nargs="+", default=["course", "guide"])
    args = parser.parse_args()
    import keras

    for level in args.levels:
        for settings in args.settings:
            seconds = time_steps(level, SHAPES[args.shape], settings == "guide", args.steps)
            print(json.dumps({"backend": keras.backend.backend(), "shape": args.shape, "level": level,
                              "settings": settings, "seconds_per_step": seconds}), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
