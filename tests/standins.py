"""Stand-ins for the full profile's downloads, to rehearse it offline.

`full_profile_standins(cache_dir)` returns (presets_dir, imdb_dir) for COURSE_PRESET_DIR and
COURSE_IMDB_DIR:
- presets_dir holds `bert_tiny_en_uncased` and `bert_tiny_en_uncased_sst2`, written by
  keras-hub's `save_to_preset` at keras-hub's tiny architecture with random weights and a
  30,522-entry BERT-shaped vocabulary (BERT's special tokens at BERT's ids), the classifier's
  preprocessor at sequence 512, as in keras-hub's sst2 preset;
- imdb_dir is the course's synthetic corpus in aclImdb's layout (hard links).
Both carry a STAND_IN.txt file saying what they are. Built once per cache, in a child process.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import string
import subprocess
import sys
from pathlib import Path

from course_utils.cache import build_once, recipe_key
from course_utils.config import ARCHITECTURES, DEFAULTS, GUIDE_VOCABULARY_SIZE
from course_utils.data import LAYOUT, synthetic_imdb
from course_utils.layout import ROOT

BERT_VOCABULARY_SIZE = GUIDE_VOCABULARY_SIZE
BERT_SPECIAL_IDS = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}
BERT_UNUSED_SLOTS = 999  # ids 0..998: [PAD], [unused*], the four specials above
STAND_IN_MARKER = "STAND_IN.txt"


def bert_shaped_vocabulary(corpus_words: list[str], size: int = BERT_VOCABULARY_SIZE) -> list[str]:
    """BERT's layout: specials and [unused*] first, then characters, ##-characters, the corpus's
    words, and synthetic word pieces (two and three letters, plain and ##) up to `size`."""
    slots = [f"[unused{i}]" for i in range(BERT_UNUSED_SLOTS - len(BERT_SPECIAL_IDS))]
    for token, index in sorted(BERT_SPECIAL_IDS.items(), key=lambda item: item[1]):
        slots.insert(index, token)
    characters = list(string.ascii_lowercase + string.digits + string.punctuation)
    pieces = (
        "".join(letters) for length in (2, 3) for letters in itertools.product(string.ascii_lowercase, repeat=length)
    )
    candidates = itertools.chain(
        characters,
        (f"##{c}" for c in characters),
        corpus_words,
        itertools.chain.from_iterable((p, f"##{p}") for p in pieces),
    )
    vocabulary, seen = list(slots), set(slots)
    for token in candidates:
        if len(vocabulary) == size:
            break
        if token not in seen:
            vocabulary.append(token)
            seen.add(token)
    return vocabulary


def full_profile_standins(cache_dir: Path) -> tuple[Path, Path]:
    """(COURSE_PRESET_DIR, COURSE_IMDB_DIR) for a full-profile rehearsal; built once per cache."""
    corpus = synthetic_imdb(cache_dir, DEFAULTS["seed"])
    architecture = ARCHITECTURES["full"]["tiny"]
    recipe = {
        "source": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],  # any edit rebuilds
        "corpus": corpus.parent.name,
        "architecture": architecture,
        "vocabulary_size": BERT_VOCABULARY_SIZE,
    }
    target = Path(cache_dir) / "standins" / f"full-profile-{recipe_key(recipe)}"
    build_once(
        target,
        lambda tmp: _build_in_child(tmp, corpus),
        recipe,
        required=(
            "presets/bert_tiny_en_uncased/config.json",
            "presets/bert_tiny_en_uncased_sst2/task.json",
            *(f"aclImdb/{part}" for part in LAYOUT),
        ),
    )
    return target / "presets", target / "aclImdb"


def _build_in_child(tmp: Path, corpus: Path) -> None:
    """Link the corpus, then build the presets in a fresh jax process (seeding stays out of the caller)."""
    imdb = tmp / "aclImdb"
    for part in LAYOUT:
        (imdb / part).mkdir(parents=True)
        for review in (corpus / part).glob("*.txt"):
            os.link(review, imdb / part / review.name)
    note = "Stand-in for the full profile's download: {what}. Figures from it are not the guide's.\n"
    (imdb / STAND_IN_MARKER).write_text(note.format(what="the course's SYNTHETIC reviews, not IMDB"))
    presets = tmp / "presets"
    presets.mkdir()
    preset_note = note.format(what="keras-hub's architecture with RANDOM weights and a synthetic vocabulary")
    (presets / STAND_IN_MARKER).write_text(preset_note)
    code = f"import standins; standins._build_presets({str(presets)!r}, {str(imdb)!r}, {preset_note!r})"
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)]),
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"building the stand-in presets failed: {result.stderr.strip()[-2000:]}")


def _corpus_words(imdb: Path) -> list[str]:
    words = set()
    for review in imdb.glob("train/*/*.txt"):
        words.update(re.findall(r"[a-z]+|[0-9]+", review.read_text(encoding="utf-8").lower()))
    return sorted(words)


def _build_presets(presets: str, imdb: str, note: str) -> None:
    import keras
    import keras_hub

    keras.utils.set_random_seed(0)
    presets = Path(presets)
    tokenizer = keras_hub.models.BertTokenizer(
        vocabulary=bert_shaped_vocabulary(_corpus_words(Path(imdb))), lowercase=True
    )
    architecture = ARCHITECTURES["full"]["tiny"]
    backbone = keras_hub.models.BertBackbone(vocabulary_size=BERT_VOCABULARY_SIZE, **architecture)
    backbone.save_to_preset(str(presets / "bert_tiny_en_uncased"))
    tokenizer.save_to_preset(str(presets / "bert_tiny_en_uncased"))
    classifier = keras_hub.models.BertTextClassifier(
        backbone=keras_hub.models.BertBackbone(vocabulary_size=BERT_VOCABULARY_SIZE, **architecture),
        preprocessor=keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=512),
        num_classes=2,
    )
    classifier.save_to_preset(str(presets / "bert_tiny_en_uncased_sst2"))
    for name in ("bert_tiny_en_uncased", "bert_tiny_en_uncased_sst2"):
        (presets / name / STAND_IN_MARKER).write_text(note)
