"""The full profile, rehearsed offline: every notebook once, at the guide's sizes and sequence lengths.

Stand-ins replace the downloads (tests/standins.py): keras-hub-format presets at the full
architecture with random weights and a 30,522-token vocabulary, and the synthetic corpus as
COURSE_IMDB_DIR. Few reviews and one epoch keep it short; what must hold is the full path
itself: the presets load by name from COURSE_PRESET_DIR, the sizes and parameter counts are
the guide's, and the results say where data and presets came from.
"""

import math

import pytest
from notebook_run import run_notebook
from standins import BERT_SPECIAL_IDS, BERT_VOCABULARY_SIZE, bert_shaped_vocabulary, full_profile_standins

from course_utils.config import LEVEL_SETTINGS

BACKEND = "torch"  # no compile step: at 32 reviews, tensorflow spent ~50 s a fit compiling, torch ~20 s in all
MAX_EXAMPLES = 32
# keras-hub's bert_tiny at BERT's vocabulary: 4,385,920 in the backbone, 258 in a 2-class head.
TINY_CLASSIFIER_PARAMS = 4_386_178
# Level 6 is embedding_dim x vocabulary + 66,370 (position embedding, encoder, head); the guide's
# vocabulary of 19,170 gave its 1,293,250. The stand-in corpus has far fewer word pieces.
LEVEL6_PARAMS_BESIDES_VOCABULARY = 66_370


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
    presets, imdb = standins
    monkeypatch.setenv("COURSE_PRESET_DIR", str(presets))
    monkeypatch.setenv("COURSE_IMDB_DIR", str(imdb))
    return lambda level: run_notebook(
        level, tmp_path, backend=BACKEND, profile="full", epochs=1, max_examples=MAX_EXAMPLES
    )


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
    figures, full, reference = results["figures"], LEVEL_SETTINGS[level]["full"], LEVEL_SETTINGS[level]["reference"]
    if level == 1:
        assert len(figures["logits"]) == 2 and math.isfinite(figures["test_loss"])
    else:
        assert len(results["history"]["loss"]) == 1
    if level in (2, 3):
        assert figures["total_params"] == TINY_CLASSIFIER_PARAMS
    if level == 3:
        assert figures["packed_length"] == full["packer_sequence_length"]
    if level in (4, 5):  # the guide's parameter counts, at its architecture
        counted = ("trainable_params", "total_params") if level == 4 else ("total_params",)
        assert {name: figures[name] for name in counted} == {name: reference[name] for name in counted}
    if level == 4:
        assert figures["backbone_unchanged"] is True
    if level == 5:
        assert figures["reloaded_matches"] is True
    if level == 6:
        vocabulary = figures["vocabulary_size"]
        assert figures["asked_vocabulary_size"] == full["vocabulary_size"] and 0 < vocabulary <= full["vocabulary_size"]
        assert figures["total_params"] == full["embedding_dim"] * vocabulary + LEVEL6_PARAMS_BESIDES_VOCABULARY
