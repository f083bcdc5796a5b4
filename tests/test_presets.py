"""Presets: resolution per profile, offline builds, and loading them with the guide's own calls."""

import copy
import fcntl
import json
import os
import sys
import threading
from pathlib import Path

import pytest
from watched import SILENCE_SECONDS, run_python

from course_utils import presets, synthetic
from course_utils.cache import CacheError, build_once, recipe_key
from course_utils.config import CourseConfigError
from course_utils.presets import BACKBONE_FILES, TASK_FILES, resolve_preset

LOAD_WITH_GUIDE_CALLS = """
import json, course_utils
cfg = course_utils.setup(level=1, profile="smoke", verbose=False)
import keras, keras_nlp
classifier = keras_nlp.models.BertClassifier.from_preset(cfg.classifier_preset)
preprocessor = keras_nlp.models.BertPreprocessor.from_preset(cfg.backbone_preset, sequence_length=64)
tokenizer = keras_nlp.models.BertTokenizer.from_preset(cfg.backbone_preset)
backbone = keras_nlp.models.BertBackbone.from_preset(cfg.backbone_preset)
features = preprocessor(["the acting was brilliant"])
out = backbone(features)
test = keras.utils.text_dataset_from_directory(cfg.test_dir, batch_size=16)
loss, accuracy = classifier.evaluate(test, verbose=0)
print("RESULT", json.dumps({
    "backend": keras.backend.backend(),
    "token_ids_shape": list(features["token_ids"].shape),
    "sequence_output": list(out["sequence_output"].shape),
    "pad_id": tokenizer.token_to_id("[PAD]"),
    "logits_shape": list(classifier.predict(["I love modular workflows in keras-nlp!"], verbose=0).shape),
    "accuracy": float(accuracy),
}))
"""


def test_full_profile_uses_keras_hub_names(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_PRESET_DIR", str(tmp_path))
    for name in ("bert_tiny_en_uncased", "bert_tiny_en_uncased_sst2", "bert_base_en_uncased"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")
    assert resolve_preset("backbone", "base", "full", tmp_path) == str(tmp_path / "bert_base_en_uncased")
    assert resolve_preset("classifier", "tiny", "full", tmp_path) == str(tmp_path / "bert_tiny_en_uncased_sst2")


def test_only_tiny_has_a_classifier():
    with pytest.raises(CourseConfigError, match="model_size='medium' has no sst2 classifier preset; only 'tiny'"):
        resolve_preset("classifier", "medium", "smoke", "/unused")


@pytest.mark.slow
def test_full_preset_without_network_fails_fast_with_the_ways_out():
    result = run_python(
        "from course_utils.presets import resolve_preset\n"
        "try:\n"
        "    resolve_preset('backbone', 'tiny', 'full', '/tmp')\n"
        "except Exception as e:\n"
        "    print('ERR', type(e).__name__, e)\n",
        COURSE_PRESET_DIR="",
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("ERR"))
    assert "DataUnavailableError" in line and "'bert_tiny_en_uncased'" in line
    assert "profile='smoke'" in line and "COURSE_PRESET_DIR" in line


@pytest.mark.slow
def test_smoke_presets_are_built_offline_with_save_to_preset(cache_dir):
    backbone = resolve_preset("backbone", "tiny", "smoke", cache_dir)
    classifier = resolve_preset("classifier", "tiny", "smoke", cache_dir)
    for path, files in ((backbone, BACKBONE_FILES), (classifier, TASK_FILES)):
        assert path.startswith("/")
        for name in files:
            assert (cache_dir / path / name).exists(), name
    config = json.loads((cache_dir / backbone / "config.json").read_text())
    assert config["class_name"] == "BertBackbone"
    assert config["config"]["hidden_dim"] == 32
    assert resolve_preset("backbone", "tiny", "smoke", cache_dir) == backbone  # reused, not rebuilt


@pytest.mark.slow
def test_model_size_changes_the_smoke_architecture(cache_dir):
    """A build takes its architecture from the recipe (seen in the built tiny preset), so a size's
    recipe is its architecture; checked without building the larger sizes."""
    tiny = json.loads((Path(resolve_preset("backbone", "tiny", "smoke", cache_dir)) / "config.json").read_text())
    architecture = presets.backbone_recipe("tiny")["architecture"]
    assert {name: tiny["config"][name] for name in architecture} == architecture
    small = presets.backbone_recipe("small")["architecture"]
    assert (small["hidden_dim"], small["num_heads"]) == (48, 4)
    assert recipe_key(presets.backbone_recipe("small")) != recipe_key(presets.backbone_recipe("tiny"))


@pytest.mark.slow
def test_guide_calls_load_the_offline_presets():
    """On jax; notebooks 01-04 make the same calls on all three backends (nbmake, browser test)."""
    backend = "jax"
    result = run_python(LOAD_WITH_GUIDE_CALLS, backend=backend)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.split("RESULT", 1)[1])
    assert figures["backend"] == backend
    assert figures["token_ids_shape"] == [1, 64]
    assert figures["sequence_output"] == [1, 64, 32]
    assert figures["pad_id"] == 0
    assert figures["logits_shape"] == [1, 2]
    assert figures["accuracy"] > 0.6, "the offline sst2 classifier should beat chance on synthetic IMDB"


def leaves(tree: dict, path: tuple = ()):
    """(path, value) for every setting in a nested dict."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from leaves(value, path + (key,))
        else:
            yield path + (key,), value


def changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 2 + 1
    if isinstance(value, str):
        return value + "x"
    return [*value, value[-1]]  # a list or tuple


def keys() -> dict[str, str]:
    """The cache keys of the corpus, the tiny backbone and the classifier (on a fixed backbone name)."""
    return {
        "corpus": recipe_key(synthetic.recipe(presets.PRESET_CORPUS_SEED)),
        "backbone": recipe_key(presets.backbone_recipe("tiny")),
        "classifier": recipe_key(presets.classifier_recipe(Path("bert_tiny_smoke-0"))),
    }


@pytest.mark.parametrize(
    "settings, affected",
    [
        (synthetic.GENERATOR, ("corpus", "backbone", "classifier")),
        (presets.BACKBONE_SETTINGS, ("backbone",)),
        (presets.CLASSIFIER_SETTINGS, ("classifier",)),
    ],
)
def test_changing_any_setting_changes_the_cache_key(monkeypatch, settings, affected):
    before = keys()
    paths = list(leaves(settings))
    assert len(paths) >= 5
    for path, value in paths:
        with monkeypatch.context() as patch:
            parent = settings
            for key in path[:-1]:
                patch.setitem(parent, key, copy.deepcopy(parent[key]))
                parent = parent[key]
            patch.setitem(parent, path[-1], changed(value))
            after = keys()
        for name in affected:
            assert after[name] != before[name], f"{'.'.join(path)} does not change the {name} key"
    assert keys() == before


def test_the_classifier_key_follows_its_backbone():
    one, other = (presets.classifier_recipe(Path(f"bert_tiny_smoke-{n}")) for n in (1, 2))
    assert recipe_key(one) != recipe_key(other)


@pytest.mark.parametrize("module, source", [(synthetic, "synthetic.py"), (presets, "preset_build.py")])
def test_editing_the_generator_or_the_builder_changes_the_keys(monkeypatch, tmp_path, module, source):
    """The recipes hold a hash of the code that builds from them, so a code change is never served stale."""
    before = keys()
    edited = tmp_path / source
    edited.write_text((Path(module.__file__).parent / source).read_text() + "# edited\n")
    monkeypatch.setattr(module, "__file__", str(tmp_path / Path(module.__file__).name))
    after = keys()
    assert after["backbone"] != before["backbone"] and after["classifier"] != before["classifier"]


def test_a_failed_build_raises_the_childs_own_error(tmp_path, capsys):
    with pytest.raises(CacheError) as error:
        presets.build_in_child([({"kind": "backbone"}, tmp_path, tmp_path / "out")], ["bert_broken"])
    message = str(error.value)
    assert "smoke backbone preset bert_broken" in message and "exit status 1" in message
    assert "preset_build.py" in message and "KeyError: 'vocabulary'" in message
    assert "Building the smoke backbone preset bert_broken" in capsys.readouterr().out


def test_a_caller_that_waits_for_another_builder_is_told_so(tmp_path):
    """A notebook cell waiting on another process's build says why it sits still."""
    waited = threading.Event()
    caller = threading.Thread(
        target=build_once,
        args=(tmp_path / "entry", lambda tmp: (tmp / "a").write_text("a"), {"v": 1}),
        kwargs={"on_wait": waited.set},
    )
    with open(tmp_path / ".entry.lock", "w") as held:  # another builder holds the lock
        fcntl.flock(held, fcntl.LOCK_EX)
        caller.start()
        assert waited.wait(SILENCE_SECONDS)
        fcntl.flock(held, fcntl.LOCK_UN)
    caller.join(SILENCE_SECONDS)
    assert not caller.is_alive() and (tmp_path / "entry" / "a").read_text() == "a"


def test_a_build_that_stops_printing_progress_is_stopped_with_what_it_did_last(monkeypatch):
    """A stuck build fails after a long silence, not after a fixed wall-clock time."""
    monkeypatch.setattr(presets, "STALL_SECONDS", 2)
    code = 'import time; print(\'PROGRESS {"stage": "backbone compiled"}\', flush=True); time.sleep(60)'
    returncode, _, stalled = presets._watch([sys.executable, "-c", code], dict(os.environ))
    assert returncode == -9  # killed: left alone it would have slept on and then exited 0
    assert stalled == "the last thing it did: backbone compiled"


def test_a_stalled_build_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(presets, "_watch", lambda command, env: (-9, "", "the last thing it did: backbone epoch 3"))
    with pytest.raises(CacheError, match=r"made no progress for \d+ s \(the last thing it did: backbone epoch 3\)"):
        presets.build_in_child([({"kind": "backbone"}, tmp_path, tmp_path / "out")], ["bert_slow"])


def test_the_second_epoch_gives_the_estimate(capsys):
    """The first epoch compiles the step, so the second one times this machine's steps."""
    lines = [
        {"stage": "backbone training", "epochs": 12},
        {"stage": "backbone epoch", "epoch": 1, "seconds": 15.0},
        {"stage": "backbone epoch", "epoch": 2, "seconds": 2.0},
        {"stage": "backbone epoch", "epoch": 3, "seconds": 2.0},
        {"stage": "classifier training", "epochs": 2},  # nothing left to estimate after its second epoch
        {"stage": "classifier epoch", "epoch": 1, "seconds": 9.0},
        {"stage": "classifier epoch", "epoch": 2, "seconds": 1.0},
    ]
    code = "".join(f"print({'PROGRESS ' + json.dumps(line)!r});" for line in lines)
    assert presets._watch([sys.executable, "-c", code], dict(os.environ)) == (0, "", "")
    assert (
        capsys.readouterr().out
        == "  backbone epoch 2 of 12 took 2.0 s on this machine: its training ends in about 20 s.\n"
    )


def fake_builds(monkeypatch) -> list[list[str]]:
    """Replace the build process by one that writes the required files; returns the kinds per process."""
    processes = []

    def build(jobs, names):
        processes.append([recipe["kind"] for recipe, _, _ in jobs])
        for recipe, _, out in jobs:
            for name in TASK_FILES if recipe["kind"] == "classifier" else BACKBONE_FILES:
                (Path(out) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(out) / name).write_text(name)

    monkeypatch.setattr(presets, "build_in_child", build)
    monkeypatch.setattr(presets, "synthetic_imdb", lambda cache_dir, seed: Path(cache_dir) / "corpus")
    return processes


def test_a_cold_cache_builds_backbone_and_classifier_in_one_process(monkeypatch, tmp_path):
    processes = fake_builds(monkeypatch)
    classifier = presets.smoke_classifier(tmp_path)
    assert processes == [["backbone", "classifier"]]
    assert presets.smoke_backbone(tmp_path, "tiny").is_dir() and classifier.is_dir()
    assert processes == [["backbone", "classifier"]]  # both were complete


def test_a_missing_preset_is_built_alone_when_the_other_is_there(monkeypatch, tmp_path):
    processes = fake_builds(monkeypatch)
    presets.smoke_backbone(tmp_path, "tiny")
    presets.smoke_classifier(tmp_path)
    assert processes == [["backbone"], ["classifier"]]
    backbone = presets.smoke_backbone(tmp_path, "tiny")
    (backbone / "config.json").unlink()  # damaged: rebuilt, and the complete classifier kept
    presets.smoke_classifier(tmp_path)
    assert processes[2:] == [["backbone"]]
