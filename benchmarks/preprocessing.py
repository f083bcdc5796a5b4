"""Reviews per second: the course's tf.data pipeline (tokenize + pack to 512) against HF `tokenizers`.

Both use the same WordPiece vocabulary (the smoke preset's) on the same synthetic reviews,
made IMDB-long (10 to 40 sentences). Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

COUNT = 4000
SEQUENCE_LENGTH = 512


def main() -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras_hub
    import tensorflow as tf
    from tokenizers import BertWordPieceTokenizer

    from course_utils import synthetic
    from course_utils.environment import cache_dir as default_cache_dir
    from course_utils.presets import smoke_backbone

    rng = random.Random(0)
    texts = [synthetic.review(rng, i % 2, length=(10, 40)) for i in range(COUNT)]
    preset = smoke_backbone(default_cache_dir(), "tiny")
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset(
        str(preset), sequence_length=SEQUENCE_LENGTH
    )

    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(16).map(preprocessor, tf.data.AUTOTUNE)
    start = time.perf_counter()
    for _ in dataset.prefetch(tf.data.AUTOTUNE):
        pass
    course = COUNT / (time.perf_counter() - start)

    hf = BertWordPieceTokenizer(str(Path(preset) / "assets" / "tokenizer" / "vocabulary.txt"), lowercase=True)
    hf.enable_truncation(SEQUENCE_LENGTH)
    hf.enable_padding(length=SEQUENCE_LENGTH)
    start = time.perf_counter()
    for i in range(0, COUNT, 16):
        hf.encode_batch(texts[i : i + 16])
    huggingface = COUNT / (time.perf_counter() - start)
    words = sum(len(t.split()) for t in texts) / COUNT
    print(
        json.dumps(
            {
                "reviews": COUNT,
                "mean_words": round(words),
                "course_tf_data_per_s": course,
                "hf_tokenizers_per_s": huggingface,
                "ratio_course_over_hf": course / huggingface,
            }
        )
    )


if __name__ == "__main__":
    main()
