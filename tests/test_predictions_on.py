"""predictions_on keeps texts, labels and predictions of one pass together, in order."""

import keras
import numpy as np
import pytest

from course_utils.presets import smoke_classifier
from course_utils.results import predictions_on

THRESHOLD = 17  # the stand-in model predicts class 1 for texts longer than this many bytes


def _reviews(count=23):
    """Texts of varied lengths, each carrying its own label, so any mix-up shows."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, count)
    texts = [f"r{i} label={label} " + "x" * int(rng.integers(0, 12)) for i, label in enumerate(labels)]
    return texts, labels.tolist()


def _reshuffling_dataset(texts, labels, batch_size=4):
    """Like text_dataset_from_directory: a new order on every pass."""
    # tensorflow and keras_hub are imported where used: at the top, collecting the suite would import
    # them in every pytest process (keras runs on jax there and needs neither).
    import tensorflow as tf

    return (
        tf.data.Dataset.from_tensor_slices((texts, labels))
        .shuffle(len(texts), reshuffle_each_iteration=True)
        .batch(batch_size)
    )


def _length_model():
    """logits = [-length + THRESHOLD, length - THRESHOLD]: class 1 iff the text is longer than THRESHOLD."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    model.layers[-1].set_weights([np.array([[-1.0, 1.0]]), np.array([THRESHOLD, -THRESHOLD], dtype="float32")])
    return model


def _length_feature(texts):
    import tensorflow as tf

    return tf.cast(tf.strings.length(texts), "float32")[:, None]


@pytest.mark.parametrize("limit", [None, 10, 12, 100])
def test_texts_labels_and_predictions_come_from_one_pass_in_order(limit):
    texts, labels = _reviews()
    label_of = dict(zip(texts, labels, strict=True))
    got_texts, got_labels, got_predictions = predictions_on(
        _length_model(), _reshuffling_dataset(texts, labels), preprocess=_length_feature, limit=limit
    )
    expected_count = len(texts) if limit is None else min(limit, len(texts))
    assert len(got_texts) == len(got_labels) == len(got_predictions) == expected_count
    assert len(set(got_texts)) == expected_count  # no review twice
    assert got_labels == [label_of[t] for t in got_texts]
    assert got_predictions == [int(len(t.encode()) > THRESHOLD) for t in got_texts]


def test_empty_dataset_gives_empty_lists():
    empty = _reshuffling_dataset(["a"], [0]).take(0)
    assert predictions_on(_length_model(), empty, preprocess=_length_feature) == ([], [], [])


@pytest.mark.slow
def test_a_task_with_its_own_preprocessor_predicts_the_texts_it_returns(cache_dir):
    """The level 1 and 2 path: a keras-hub classifier gets raw strings."""
    import keras_hub

    classifier = keras_hub.models.BertTextClassifier.from_preset(str(smoke_classifier(cache_dir)))
    classifier.preprocessor.sequence_length = 32
    texts = [
        f"the film was {word} and the acting {word}"
        for word in ("great", "awful", "wonderful", "boring", "fine", "dull", "superb", "bad", "moving")
    ]
    labels = list(range(len(texts)))  # one distinct label per text: any reordering shows
    got_texts, got_labels, got_predictions = predictions_on(
        classifier, _reshuffling_dataset(texts, labels, batch_size=2), limit=7
    )
    assert got_labels == [texts.index(t) for t in got_texts] and len(got_texts) == 7
    expected = np.argmax(classifier.predict(got_texts, verbose=0), axis=-1).tolist()
    assert got_predictions == expected
