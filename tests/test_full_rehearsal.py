"""The full profile, rehearsed offline: every notebook once, at the guide's sizes and sequence lengths.

Stand-ins replace the downloads (tests/standins.py): keras-hub-format presets at the full
architecture with random weights and a 30,522-token vocabulary, and the synthetic corpus as
COURSE_IMDB_DIR. Few reviews and one epoch keep it short; what must hold is the full path
itself: the presets load by name from COURSE_PRESET_DIR, the sizes and parameter counts are
the guide's, and the results say where data and presets came from.
"""

import json

import pytest
from standins import BERT_SPECIAL_IDS, BERT_VOCABULARY_SIZE, bert_shaped_vocabulary, full_profile_standins

from course_utils.config import LEVEL_SETTINGS
from course_utils.runner import course_notebooks

NOTEBOOKS = course_notebooks()
BACKEND = "torch"  # no compile step: at 32 reviews, tensorflow spent ~50 s a fit compiling, torch ~20 s in all
MAX_EXAMPLES = 32
# keras-hub's bert_tiny at BERT's vocabulary: 4,385,920 in the backbone, 258 in a 2-class head.
TINY_CLASSIFIER_PARAMS = 4_386_178
# Level 6 is 64 x vocabulary + 66,370 (position embedding, encoder, head); the guide's
# vocabulary of 19,170 gives its 1,293,250. The stand-in corpus has far fewer word pieces.
LEVEL6_PARAMS_BESIDES_VOCABULARY = 66_370
EMBEDDING_DIM = 64


def test_stand_in_vocabulary_is_shaped_like_berts():
    vocabulary = bert_shaped_vocabulary(["movie", "brilliant", "boring"])
    assert len(vocabulary) == len(set(vocabulary)) == BERT_VOCABULARY_SIZE
    assert {token: vocabulary.index(token) for token in BERT_SPECIAL_IDS} == BERT_SPECIAL_IDS
    assert vocabulary[1] == "[unused0]" and vocabulary[998] == "[unused993]"
    assert {"movie", "brilliant", "boring", "a", "##a"} <= set(vocabulary)


@pytest.fixture(scope="module")
def standins(cache_dir):
    return full_profile_standins(cache_dir)


@pytest.mark.learner_paths
def test_stand_in_presets_load_by_name_at_the_full_architecture(standins):
    import keras_hub

    presets, imdb = standins
    classifier = keras_hub.models.BertTextClassifier.from_preset(str(presets / "bert_tiny_en_uncased_sst2"))
    assert classifier.preprocessor.sequence_length == 512
    assert classifier.count_params() == TINY_CLASSIFIER_PARAMS
    tokenizer = keras_hub.models.BertTokenizer.from_preset(str(presets / "bert_tiny_en_uncased"))
    assert tokenizer.vocabulary_size() == BERT_VOCABULARY_SIZE
    assert {token: tokenizer.token_to_id(token) for token in BERT_SPECIAL_IDS} == BERT_SPECIAL_IDS
    for preset in ("", "bert_tiny_en_uncased", "bert_tiny_en_uncased_sst2"):
        assert "RANDOM weights" in (presets / preset / "STAND_IN.txt").read_text()
    assert "SYNTHETIC" in (imdb / "STAND_IN.txt").read_text()


@pytest.fixture
def run_full(standins, tmp_path, monkeypatch):
    """Execute notebook `level` in the full profile on the stand-ins; return its results JSON."""
    import papermill

    presets, imdb = standins
    monkeypatch.setenv("COURSE_PRESET_DIR", str(presets))
    monkeypatch.setenv("COURSE_IMDB_DIR", str(imdb))
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))

    def run(level: int) -> dict:
        path = NOTEBOOKS[level - 1]
        papermill.execute_notebook(
            str(path),
            str(tmp_path / path.name),
            cwd=str(tmp_path),
            progress_bar=False,
            kernel_name="python3",
            parameters=dict(backend=BACKEND, profile="full", epochs=1, max_examples=MAX_EXAMPLES),
        )
        return json.loads((tmp_path / f"level{level}_results.json").read_text())

    return run


def _check_full_run(results: dict, level: int, standins) -> None:
    presets, imdb = standins
    params = results["params"]
    assert (params["profile"], params["backend"], params["max_examples"]) == ("full", BACKEND, MAX_EXAMPLES)
    assert params["sequence_length"] == LEVEL_SETTINGS[level]["full"]["sequence_length"]
    assert params["epochs"] == (0 if level == 1 else 1)
    provenance = results["provenance"]
    assert "COURSE_IMDB_DIR, unverified" in provenance["data"] and str(imdb) in provenance["data"]
    for source in provenance["presets"].values():
        assert "COURSE_PRESET_DIR, unverified" in source and str(presets) in source
    if level != 6:  # level 6 trains its own model, loading BERT's tokenizer only to compare
        assert provenance["presets"]


@pytest.mark.learner_paths
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5, 6])
def test_every_level_runs_in_the_full_profile(run_full, standins, level):
    results = run_full(level)
    _check_full_run(results, level, standins)
    figures = results["figures"]
    if level == 1:
        assert len(figures["logits"]) == 2 and 0 <= figures["test_accuracy"] <= 1
    else:
        assert len(results["history"]["loss"]) == 1
    if level in (2, 3):
        assert figures["total_params"] == TINY_CLASSIFIER_PARAMS
    if level == 3:
        assert figures["packed_length"] == LEVEL_SETTINGS[3]["full"]["packer_sequence_length"] == 64
    if level == 4:
        reference = LEVEL_SETTINGS[4]["reference"]
        assert (figures["trainable_params"], figures["total_params"]) == (396_802, 4_782_722)
        assert (reference["trainable_params"], reference["total_params"]) == (396_802, 4_782_722)
        assert figures["backbone_unchanged"] is True
    if level == 5:
        assert figures["total_params"] == LEVEL_SETTINGS[5]["reference"]["total_params"] == 4_433_210
        assert figures["reloaded_matches"] is True
    if level == 6:
        vocabulary = figures["vocabulary_size"]
        assert figures["asked_vocabulary_size"] == 20_000 and 0 < vocabulary <= 20_000
        assert figures["total_params"] == EMBEDDING_DIM * vocabulary + LEVEL6_PARAMS_BESIDES_VOCABULARY
        assert (
            EMBEDDING_DIM * 19_170 + LEVEL6_PARAMS_BESIDES_VOCABULARY == LEVEL_SETTINGS[6]["reference"]["total_params"]
        )
