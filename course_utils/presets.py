"""Which preset a level loads: keras-hub's own (full) or ones the course builds offline (smoke).

Whatever the profile, the notebook passes the returned string to the guide's own
`from_preset` calls. Smoke presets are built with keras-hub's `save_to_preset`
and handed out as absolute paths (a relative path named like a built-in
preset would be sent to Kaggle).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

from . import environment, synthetic
from .cache import CacheError, build_once, recipe_key
from .config import ARCHITECTURES, CLASSIFIER_SIZES, CourseConfigError
from .data import DataUnavailableError, offline_hint, synthetic_imdb

KINDS = ("backbone", "classifier")
BACKBONE_FILES = ("config.json", "model.weights.h5", "tokenizer.json", "assets/tokenizer/vocabulary.txt")
TASK_FILES = BACKBONE_FILES + ("task.json", "task.weights.h5", "preprocessor.json")

# Every setting of a smoke preset build, in one place. The cache key is a hash of the
# whole recipe (these, the architecture, the corpus's recipe and the builder's code), so
# changing any of them builds a new preset instead of reusing an old one.
PRESET_CORPUS_SEED = 0  # presets are shared by every run, whatever its seed
BACKBONE_SETTINGS = {
    "vocabulary": {  # WordPiece, learned from the corpus the backbone is pretrained on
        "size": 400,  # more than the synthetic text offers (about 290): every word is one piece
        "lowercase": True,
        "strip_accents": True,
        "reserved_tokens": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],  # [PAD] is id 0, as in BERT
    },
    "pretraining": {  # masked-language modelling only: the labels never reach the backbone
        "splits": ["train"],  # train/{neg,pos,unsup}, read as unlabelled text
        # Level 4's length. Short sequences also learn faster: at 128 the MLM was still near
        # unigram accuracy after 3 epochs; at 64 it leaves that plateau around epoch 4.
        "sequence_length": 64,
        "mask_selection_rate": 0.25,
        "mask_selection_length": 16,
        "mask_token_rate": 0.8,
        "random_token_rate": 0.1,
        # Sentiment reaches the features only after the MLM leaves its unigram plateau. Measured with a
        # linear probe per epoch (mean-pooled features, seeds 0 to 3): at batch 8 and 3e-3 that takes 3
        # to 4 epochs and the probe is at 0.82 to 0.89 after 5; at batch 16 one seed in three was still
        # at 0.65 after 7; at batch 32 and 5e-3 it took 12. Dropout off: it slowed the MLM and its compilation.
        # Fine-tuned through [CLS] (levels 2 and 3) this backbone leaves ln 2 after 100 to 150 steps (the
        # 12-epoch one within 50): the lessons' 3 smoke epochs at levels 2 to 4 are 300 steps, and their
        # test accuracy is 0.90 to 0.93 on all three backends; tests/test_notebooks.py's level 3 run takes 200.
        "batch_size": 8,
        "learning_rate": 3e-3,
        "epochs": 5,
        "dropout": 0.0,  # while pretraining; the preset is saved at keras-hub's default
        "seed": PRESET_CORPUS_SEED,
    },
}
CLASSIFIER_SETTINGS = {
    "snippets": {"seed": PRESET_CORPUS_SEED, "count": 4000},  # synthetic SST-2-style sentences
    "training": {
        "sequence_length": 64,
        "batch_size": 32,
        "learning_rate": 2e-3,
        "epochs": 2,  # level 1's smoke test accuracy: 0.81 to 0.90 after 2 epochs (its bar: 0.6)
        "dropout": 0.0,  # while fine-tuning; saved at keras-hub's default
        "seed": PRESET_CORPUS_SEED,
    },
}
# For the first progress line, before the build has timed this machine: seconds on an idle 2-core CPU
# (benchmarks/preset_build.py, cold `prepare` with both presets in one process: 32.0 and 32.2 s at
# load 1.3, calibration 3M-step loop 0.08 s; the backbone alone 22 s, the classifier alone 13 s).
# A slow machine of that kind (loop 0.53 s) took ten times as long idle (600 s for the older
# builder's 63 s), a busy one longer; so the line gives the range, and after its second epoch (the
# first compiles) the build says how long its training will take here.
BUILD_SECONDS = {("backbone",): 25, ("classifier",): 15, ("backbone", "classifier"): 35}
SLOW_MACHINE_FACTOR = 10
# A build that prints no progress for this long is stuck: the parent kills it and says so. Its
# longest silent stretch is a compilation or one epoch (seconds on an idle machine, a few minutes
# at load 10 on a slow one).
STALL_SECONDS = 900
LIBRARIES = ("keras", "keras-hub", "jax", "jaxlib", "tensorflow", "tensorflow-text", "numpy")


def builtin_name(kind: str, model_size: str) -> str:
    """keras-hub's name for a BERT preset of this kind and size."""
    return f"bert_{model_size}_en_uncased" + ("_sst2" if kind == "classifier" else "")


def resolve_preset(kind: str, model_size: str, profile: str, cache_dir: Path) -> str:
    """The argument to pass to `from_preset` for this kind, size and profile."""
    if kind not in KINDS:
        raise CourseConfigError(f"preset kind={kind!r} is not valid; choose one of: {', '.join(KINDS)}")
    if kind == "classifier" and model_size not in CLASSIFIER_SIZES:
        raise CourseConfigError(
            f"model_size={model_size!r} has no sst2 classifier preset; only "
            f"{' or '.join(map(repr, CLASSIFIER_SIZES))} has one "
            f"({', '.join(builtin_name('classifier', size) for size in CLASSIFIER_SIZES)})"
        )
    if profile == "full":
        return _full_preset(builtin_name(kind, model_size))
    if kind == "backbone":
        return str(smoke_backbone(cache_dir, model_size))
    return str(smoke_classifier(cache_dir))


def _full_preset(name: str) -> str:
    """A local copy under COURSE_PRESET_DIR if there is one, else keras-hub's name, checked reachable."""
    local_root = environment.preset_dir()
    if local_root and (local_root / name / "config.json").is_file():
        return str((local_root / name).absolute())
    from keras_hub.src.utils.preset_utils import get_file

    try:
        get_file(name, "config.json")  # downloads into kagglehub's cache, fails fast offline
    except (ConnectionError, OSError) as error:
        raise DataUnavailableError(
            f"could not reach Kaggle to fetch preset {name!r} ({type(error).__name__}). "
            + offline_hint(f"the preset directory {name}/")
        ) from None
    return name


def builder_fingerprint() -> dict:
    """What else decides a preset's weights: the builder's source and the library versions."""
    source = (Path(__file__).parent / "preset_build.py").read_bytes()
    return {
        "builder_source": hashlib.sha256(source).hexdigest()[:16],
        "libraries": {name: metadata.version(name) for name in LIBRARIES},
    }


def backbone_recipe(model_size: str) -> dict:
    """The full recipe of the smoke backbone of this size: what the build reads, and its cache key."""
    return {
        "kind": "backbone",
        "architecture": ARCHITECTURES["smoke"][model_size],
        **BACKBONE_SETTINGS,
        "corpus": synthetic.recipe(PRESET_CORPUS_SEED),
        **builder_fingerprint(),
    }


def classifier_recipe(backbone_dir: Path) -> dict:
    """The full recipe of the smoke sst2 classifier, fine-tuned from the backbone in `backbone_dir`."""
    snippets = {
        **CLASSIFIER_SETTINGS["snippets"],
        "generator": synthetic.recipe(CLASSIFIER_SETTINGS["snippets"]["seed"]),
    }
    return {
        "kind": "classifier",
        "backbone": Path(backbone_dir).name,
        **CLASSIFIER_SETTINGS,
        "snippets": snippets,
        **builder_fingerprint(),
    }


def smoke_backbone(cache_dir: Path, model_size: str) -> Path:
    """A BERT backbone + tokenizer preset, vocabulary and MLM pretraining from the synthetic corpus."""
    corpus = synthetic_imdb(cache_dir, PRESET_CORPUS_SEED)
    recipe = backbone_recipe(model_size)
    target = _target(cache_dir, f"bert_{model_size}_smoke", recipe)
    return _build_once(target, recipe, lambda tmp: build_in_child([(recipe, corpus, tmp)], [target.name]))


def smoke_classifier(cache_dir: Path) -> Path:
    """A tiny BERT classifier preset fine-tuned on synthetic SST-2-style sentences.

    When its backbone is missing too, one build process makes both (one set of imports and
    compilations instead of two).
    """
    model_size = CLASSIFIER_SIZES[0]  # keras-hub's one size with an sst2 classifier
    corpus = synthetic_imdb(cache_dir, PRESET_CORPUS_SEED)
    backbone = backbone_recipe(model_size)
    backbone_dir = _target(cache_dir, f"bert_{model_size}_smoke", backbone)
    recipe = classifier_recipe(backbone_dir)
    target = _target(cache_dir, f"bert_{model_size}_smoke_sst2", recipe)

    def build_backbone(backbone_tmp: Path) -> None:
        built_both = []

        def build_both(tmp: Path) -> None:
            jobs = [(backbone, corpus, backbone_tmp), (recipe, backbone_tmp, tmp)]
            build_in_child(jobs, [backbone_dir.name, target.name])
            built_both.append(True)

        _build_once(target, recipe, build_both)
        if not built_both:  # the classifier was there already
            build_in_child([(backbone, corpus, backbone_tmp)], [backbone_dir.name])

    _build_once(backbone_dir, backbone, build_backbone)
    return _build_once(target, recipe, lambda tmp: build_in_child([(recipe, backbone_dir, tmp)], [target.name]))


def _build_once(target: Path, recipe: dict, build) -> Path:
    """`cache.build_once` for a smoke preset: the files its kind must have, and a word while it waits."""
    required = BACKBONE_FILES if recipe["kind"] == "backbone" else TASK_FILES
    return build_once(target, build, recipe, required=required, on_wait=lambda: announce_wait(target))


def _target(cache_dir: Path, stem: str, recipe: dict) -> Path:
    """Where the preset of this recipe lives in the cache: `presets/<stem>-<recipe key>`."""
    return Path(cache_dir).absolute() / "presets" / f"{stem}-{recipe_key(recipe)}"


def announce_wait(target: Path) -> None:
    print(f"Waiting for another process to finish building the smoke preset {target.name}...", flush=True)


def build_in_child(jobs: list[tuple[dict, Path, Path]], names: list[str]) -> None:
    """Build presets, each `(recipe, source, out)` in order and named for the messages by `names`, with
    `python -m course_utils.preset_build` in one fresh jax process.

    Training a preset re-seeds and draws random numbers; in the caller's process that
    would change the run's own results depending on whether the cache was warm. A child
    also makes the preset the same whichever backend asked for it first. The child dies
    with its parent; its failure becomes a CacheError carrying the end of its traceback.
    """
    kinds = [recipe["kind"] for recipe, _, _ in jobs]
    name = f"smoke {' and '.join(kinds)} preset{'s' if len(jobs) > 1 else ''} {', '.join(names)}"
    seconds = BUILD_SECONDS[tuple(kinds)]
    print(
        f"Building the {name}: "
        f"once per cache ({Path(jobs[0][2]).parent}), about {seconds} s on an idle 2-core CPU, "
        f"up to {seconds * SLOW_MACHINE_FACTOR / 60:.0f} min on a slow or busy one...",
        flush=True,
    )
    started = time.monotonic()
    package_root = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",  # the child pins its backend and numerics itself
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    plan = [{"recipe": recipe, "source": str(source), "out": str(out)} for recipe, source, out in jobs]
    command = [sys.executable, "-m", "course_utils.preset_build", "--jobs", json.dumps(plan)]
    returncode, stderr, stalled = _watch(command + ["--parent", str(os.getpid())], env)
    if stalled:
        raise CacheError(
            f"building the {name} made no progress for {STALL_SECONDS} s ({stalled}), so it was stopped; "
            f"the machine may be overloaded. The end of its output:\n{traceback_tail(stderr)}"
        )
    if returncode:
        raise CacheError(
            f"building the {name} failed in its build process ({exit_reason(returncode)}):\n{traceback_tail(stderr)}"
        )
    print(f"Built the {name} in {time.monotonic() - started:.0f} s.", flush=True)


def _watch(command: list[str], env: dict) -> tuple[int, str, str]:
    """Run the build, relaying one estimate from its PROGRESS lines; kill it after STALL_SECONDS of silence.

    Returns its exit status, its stderr, and, when it was stopped, what it had done last.
    """
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    stderr: list[str] = []

    def read_stdout():
        for line in child.stdout:
            lines.put(line)
        lines.put(None)  # the child closed its output: it ended

    readers = [
        threading.Thread(target=read_stdout, daemon=True),
        threading.Thread(target=stderr.extend, args=(child.stderr,), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        last, epochs = "it had not started", 0
        while True:
            try:
                line = lines.get(timeout=STALL_SECONDS)
            except queue.Empty:
                child.kill()
                child.wait()
                readers[1].join(5)
                return child.returncode, "".join(stderr), f"the last thing it did: {last}"
            if line is None:
                break
            if not line.startswith("PROGRESS "):
                continue
            record = json.loads(line[len("PROGRESS ") :])
            last = record["stage"] + (f" {record['epoch']}" if "epoch" in record else "")
            if record["stage"].endswith("training"):
                epochs = record["epochs"]
            elif record["stage"].endswith("epoch") and record["epoch"] == 2 and epochs > 2:  # the first compiles
                kind, left = record["stage"].split()[0], (epochs - 2) * record["seconds"]
                print(
                    f"  {kind} epoch 2 of {epochs} took {record['seconds']:.1f} s on this machine: "
                    f"its training ends in about {left:.0f} s.",
                    flush=True,
                )
    except BaseException:  # an interrupted caller (a notebook's stop button) stops its build too
        child.kill()
        child.wait()
        raise
    child.wait()
    for reader in readers:
        reader.join(5)
    return child.returncode, "".join(stderr), ""


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


def traceback_tail(stderr: str, lines: int = 12) -> str:
    """The last lines of the last traceback in `stderr` (else of stderr): where and why the child failed."""
    start = stderr.rfind("Traceback (most recent call last):")
    text = stderr[start:] if start >= 0 else stderr
    return "\n".join(text.strip().splitlines()[-lines:]) or "(no output)"
