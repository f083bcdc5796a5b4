"""Which preset a level loads: keras-hub's own (full) or ones the course builds offline (smoke).

Whatever the profile, the notebook passes the returned string to the guide's own
`from_preset` calls. Smoke presets are built with keras-hub's `save_to_preset`
and handed out as absolute paths (a relative path named like a built-in
preset would be sent to Kaggle).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import synthetic
from .cache import CacheError, build_once, recipe_key
from .config import ARCHITECTURES, CourseConfigError
from .data import DataUnavailableError, offline_hint, synthetic_imdb

KINDS = ("backbone", "classifier")
PRESET_CORPUS_SEED = 0  # presets are shared by every run, whatever its seed
SMOKE_VOCABULARY_SIZE = 256  # about all the WordPiece pieces the synthetic text offers
SMOKE_RECIPE_VERSION = 2  # bump when the build below changes (2: built in a child jax process)
BERT_RESERVED_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # [PAD] is id 0, as in BERT
BACKBONE_FILES = ("config.json", "model.weights.h5", "tokenizer.json", "assets/tokenizer/vocabulary.txt")
TASK_FILES = BACKBONE_FILES + ("task.json", "task.weights.h5", "preprocessor.json")


def builtin_name(kind: str, model_size: str) -> str:
    """keras-hub's name for a BERT preset of this kind and size."""
    return f"bert_{model_size}_en_uncased" + ("_sst2" if kind == "classifier" else "")


def resolve_preset(kind: str, model_size: str, profile: str, cache_dir: Path) -> str:
    """The argument to pass to `from_preset` for this kind, size and profile."""
    if kind not in KINDS:
        raise CourseConfigError(f"preset kind={kind!r} is not valid; choose one of: {', '.join(KINDS)}")
    if kind == "classifier" and model_size != "tiny":
        raise CourseConfigError(
            f"model_size={model_size!r} has no sst2 classifier preset; only 'tiny' has one "
            f"({builtin_name('classifier', 'tiny')})"
        )
    if profile == "full":
        return _full_preset(builtin_name(kind, model_size))
    if kind == "backbone":
        return str(smoke_backbone(cache_dir, model_size))
    return str(smoke_classifier(cache_dir))


def _full_preset(name: str) -> str:
    """A local copy under COURSE_PRESET_DIR if there is one, else keras-hub's name, checked reachable."""
    local_root = os.environ.get("COURSE_PRESET_DIR")
    if local_root and (Path(local_root) / name / "config.json").is_file():
        return str((Path(local_root) / name).absolute())
    from keras_hub.src.utils.preset_utils import get_file

    try:
        get_file(name, "config.json")  # downloads into kagglehub's cache, fails fast offline
    except (ConnectionError, OSError) as error:
        raise DataUnavailableError(
            f"could not reach Kaggle to fetch preset {name!r} ({type(error).__name__}). "
            + offline_hint(f"the preset directory {name}/")
        ) from None
    return name


def _corpus_texts(cache_dir: Path, splits: tuple[str, ...]) -> list[str]:
    root = synthetic_imdb(cache_dir, PRESET_CORPUS_SEED)
    return [path.read_text(encoding="utf-8") for split in splits for path in sorted((root / split).glob("*/*.txt"))]


def smoke_backbone(cache_dir: Path, model_size: str) -> Path:
    """A BERT backbone + tokenizer preset, vocabulary and MLM pretraining from the synthetic corpus."""
    architecture = ARCHITECTURES["smoke"][model_size]
    corpus = synthetic_imdb(cache_dir, PRESET_CORPUS_SEED)  # its folder name carries the corpus recipe
    recipe = {"version": SMOKE_RECIPE_VERSION, "kind": "backbone", "architecture": architecture,
              "vocabulary_size": SMOKE_VOCABULARY_SIZE, "corpus": corpus.parent.name}
    target = Path(cache_dir) / "presets" / f"bert_{model_size}_smoke-{recipe_key(recipe)}"
    return build_once(target, lambda tmp: _build_in_child("_build_backbone", tmp, cache_dir, model_size), recipe,
                      required=BACKBONE_FILES)


def smoke_classifier(cache_dir: Path) -> Path:
    """A tiny BERT classifier preset fine-tuned on synthetic SST-2-style sentences."""
    backbone_dir = smoke_backbone(cache_dir, "tiny")
    recipe = {"version": SMOKE_RECIPE_VERSION, "kind": "classifier", "backbone": backbone_dir.name}
    target = Path(cache_dir) / "presets" / f"bert_tiny_smoke_sst2-{recipe_key(recipe)}"
    return build_once(target, lambda tmp: _build_in_child("_build_classifier", tmp, backbone_dir), recipe,
                      required=TASK_FILES)


def _build_in_child(builder: str, tmp: Path, *args: Path | str) -> None:
    """Run a preset builder in a fresh jax process.

    Training a preset re-seeds and draws random numbers; in the caller's process that
    would change the run's own results depending on whether the cache was warm. A child
    also makes the preset the same whichever backend asked for it first.
    """
    call = (f"from course_utils import presets; presets._die_with_parent({os.getpid()}); "
            f"presets.{builder}(*{[str(tmp), *map(str, args)]!r})")
    package_root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", call], env=env, capture_output=True, text=True)
    if result.returncode:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise CacheError(f"building preset {Path(tmp).name} failed in a child process: {last}")


def _die_with_parent(parent: int) -> None:
    """In the child: get SIGKILL when the parent dies (Linux), so a killed kernel leaves no builder behind."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the signal was armed
        sys.exit(1)


def _build_backbone(tmp: str, cache_dir: str, model_size: str) -> None:
    import keras
    import keras_hub
    import tensorflow as tf

    tmp, cache_dir, architecture = Path(tmp), Path(cache_dir), ARCHITECTURES["smoke"][model_size]
    keras.utils.set_random_seed(PRESET_CORPUS_SEED)
    texts = _corpus_texts(cache_dir, ("train",))  # labelled and unsup reviews; labels unused
    vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
        tf.data.Dataset.from_tensor_slices(texts).batch(256),
        vocabulary_size=SMOKE_VOCABULARY_SIZE,
        lowercase=True,
        strip_accents=True,
        reserved_tokens=BERT_RESERVED_TOKENS,
    )
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=True)
    backbone = keras_hub.models.BertBackbone(vocabulary_size=tokenizer.vocabulary_size(), **architecture)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=128)
    masker = keras_hub.layers.MaskedLMMaskGenerator(
        vocabulary_size=tokenizer.vocabulary_size(),
        mask_selection_rate=0.25,
        mask_selection_length=32,
        mask_token_id=tokenizer.token_to_id("[MASK]"),
        unselectable_token_ids=[tokenizer.token_to_id(t) for t in ("[CLS]", "[PAD]", "[SEP]")],
    )

    def to_mlm(text):
        inputs = preprocessor(text)
        masked = masker(inputs["token_ids"])
        features = {"token_ids": masked["token_ids"], "segment_ids": inputs["segment_ids"],
                    "padding_mask": inputs["padding_mask"], "mask_positions": masked["mask_positions"]}
        return features, masked["mask_ids"], masked["mask_weights"]

    dataset = tf.data.Dataset.from_tensor_slices(texts).shuffle(len(texts), seed=0).batch(32)
    dataset = dataset.map(to_mlm, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
              for name in ("token_ids", "segment_ids", "padding_mask", "mask_positions")}
    sequence = backbone({k: inputs[k] for k in ("token_ids", "segment_ids", "padding_mask")})["sequence_output"]
    outputs = keras_hub.layers.MaskedLMHead(token_embedding=backbone.token_embedding)(
        sequence, mask_positions=inputs["mask_positions"])
    model = keras.Model(inputs, outputs)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.AdamW(5e-3), weighted_metrics=["sparse_categorical_accuracy"])
    model.fit(dataset, epochs=2, verbose=0)
    backbone.save_to_preset(str(tmp))
    tokenizer.save_to_preset(str(tmp))


def _build_classifier(tmp: str, backbone_dir: str) -> None:
    import keras
    import keras_hub

    keras.utils.set_random_seed(PRESET_CORPUS_SEED)
    texts, labels = synthetic.short_sentences(PRESET_CORPUS_SEED, 4000)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset(str(backbone_dir), sequence_length=64)
    classifier = keras_hub.models.BertTextClassifier(
        backbone=keras_hub.models.BertBackbone.from_preset(str(backbone_dir)),
        preprocessor=preprocessor, num_classes=2,
    )
    classifier.compile(optimizer=keras.optimizers.Adam(2e-3),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                       metrics=["sparse_categorical_accuracy"])
    classifier.fit(x=texts, y=labels, batch_size=32, epochs=5, verbose=0)
    # Save a fresh copy carrying the trained weights: no optimizer state, and the
    # preprocessor at BERT's full length, like keras-hub's own sst2 preset.
    clean = keras_hub.models.BertTextClassifier(
        backbone=keras_hub.models.BertBackbone.from_config(classifier.backbone.get_config()),
        preprocessor=keras_hub.models.BertTextClassifierPreprocessor.from_preset(str(backbone_dir)),
        num_classes=2,
    )
    clean.set_weights(classifier.get_weights())
    clean.save_to_preset(str(tmp))
