"""Synthetic corpus, balanced views, and the real download path against a loopback server."""

import hashlib
import io
import itertools
import random
import re
import tarfile
from pathlib import Path

import pytest

from course_utils import synthetic
from course_utils.data import DataUnavailableError, check_layout, fetch_imdb, make_view

SMALL = {"train": 40, "test": 20, "unsup": 10}
NAME = re.compile(r"^\d+_(\d+)\.txt$")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    synthetic.write_corpus(root, seed=7, sizes=SMALL)
    return root / "aclImdb"


def test_corpus_has_imdb_layout_names_and_ratings(corpus):
    assert check_layout(corpus) == corpus
    for split in ("train", "test"):
        for label, ratings in (("pos", range(7, 11)), ("neg", range(1, 5))):
            files = sorted((corpus / split / label).iterdir())
            assert len(files) == SMALL[split] // 2
            for file in files:
                assert int(NAME.match(file.name).group(1)) in ratings
    assert len(list((corpus / "train" / "unsup").glob("*_0.txt"))) == SMALL["unsup"]
    assert (corpus / "imdb.vocab").is_file()
    assert "SYNTHETIC" in (corpus / "README").read_text()


def test_reviews_are_varied_and_use_imdb_line_breaks(corpus):
    texts = [p.read_text() for p in (corpus / "train").glob("*/*.txt")]
    lengths = [len(t.split()) for t in texts]
    assert max(lengths) > 3 * min(lengths)
    assert any("<br /><br />" in t for t in texts)
    assert len(set(texts)) == len(texts)


def test_no_single_word_separates_the_classes(corpus):
    def vocab(label):
        return [set(re.findall(r"[a-z]+", p.read_text().lower())) for p in (corpus / "train" / label).glob("*.txt")]

    pos, neg = vocab("pos"), vocab("neg")
    for word in set().union(*pos, *neg):
        in_pos = sum(word in review for review in pos) / len(pos)
        in_neg = sum(word in review for review in neg) / len(neg)
        # A word that is in every review of one class must also be in some of the other.
        assert not (in_pos == 1 and in_neg == 0) and not (in_neg == 1 and in_pos == 0), word
    negative_in_positive = sum(any(w in r for w in synthetic.NEGATIVE) for r in pos) / len(pos)
    assert negative_in_positive > 0.3  # positive reviews still use negative words (negation, contrast)


def test_reviews_are_coherent_like_real_ones(corpus):
    """The distributional signal masked-language modelling learns sentiment from:
    most sentiment words of a review share its label, and leaning intensifiers precede their own side."""
    agree, total, leaning = 0, 0, []
    for label, name in ((1, "pos"), (0, "neg")):
        for path in (corpus / "train" / name).glob("*.txt"):
            words = re.findall(r"[a-z]+", path.read_text().lower())
            for word in words:
                if word in synthetic.POSITIVE or word in synthetic.NEGATIVE:
                    total += 1
                    agree += (word in synthetic.POSITIVE) == bool(label)
            for before, after in itertools.pairwise(words):
                for side, intensifiers in synthetic.LEANING_INTENSIFIERS.items():
                    if before + " " in intensifiers:
                        leaning.append(after in (synthetic.POSITIVE if side else synthetic.NEGATIVE))
    assert agree / total > 0.75  # 0.63 before the corpus was made coherent
    assert len(leaning) > 20 and all(leaning)


def test_corpus_is_deterministic_for_a_seed(tmp_path, corpus):
    synthetic.write_corpus(tmp_path / "a", seed=7, sizes=SMALL)
    synthetic.write_corpus(tmp_path / "b", seed=8, sizes=SMALL)

    def read(root):
        return {p.relative_to(root): p.read_text() for p in root.rglob("*.txt")}

    assert read(tmp_path / "a" / "aclImdb") == read(corpus)
    assert read(tmp_path / "b" / "aclImdb") != read(corpus)


def test_short_sentence_set_is_balanced_and_short():
    texts, labels = synthetic.short_sentences(0, 100)
    assert sum(labels) == 50
    rng = random.Random(1)
    reviews = [synthetic.review(rng, 1) for _ in range(100)]

    def mean_words(items):
        return sum(len(t.split()) for t in items) / len(items)

    assert mean_words(texts) < 0.6 * mean_words(reviews)


def test_view_drops_unsup_and_balances_max_examples(tmp_path, corpus):
    view = make_view(corpus, tmp_path, max_examples=11, seed=3)
    assert sorted(p.name for p in (view / "train").iterdir()) == ["neg", "pos"]
    counts = {p: len(list((view / p).iterdir())) for p in ("train/neg", "train/pos", "test/neg", "test/pos")}
    assert counts == {"train/neg": 6, "train/pos": 5, "test/neg": 6, "test/pos": 5}
    full = make_view(corpus, tmp_path, max_examples=None, seed=3)
    assert len(list((full / "train" / "pos").iterdir())) == SMALL["train"] // 2
    assert make_view(corpus, tmp_path, max_examples=11, seed=3) == view  # cached


def test_view_loads_through_text_dataset_from_directory(tmp_path, corpus):
    import keras

    view = make_view(corpus, tmp_path, max_examples=8, seed=0)
    dataset = keras.utils.text_dataset_from_directory(view / "train", batch_size=16)
    assert dataset.class_names == ["neg", "pos"]
    texts, labels = next(iter(dataset))
    assert texts.shape[0] == 8 and sorted(labels.numpy().tolist()) == [0] * 4 + [1] * 4


@pytest.fixture
def served(archive_server, corpus):
    """The loopback server (conftest) serving the small corpus as aclImdb_v1.tar.gz; (url, sha256)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(corpus, arcname="aclImdb")
    archive_server.body = buffer.getvalue()
    return archive_server.url, hashlib.sha256(archive_server.body).hexdigest()


def test_download_with_the_right_hash_extracts_once(tmp_path, served):
    url, digest = served
    root = fetch_imdb(tmp_path / "cache", url=url, sha256=digest)
    assert check_layout(root) == root
    assert len(list((root / "train" / "pos").iterdir())) == SMALL["train"] // 2
    assert fetch_imdb(tmp_path / "cache", url="http://127.0.0.1:9/unused", sha256=digest) == root  # cached


def test_unreachable_server_names_it_and_the_ways_out(tmp_path):
    url = "http://127.0.0.1:9/aclImdb_v1.tar.gz"  # nothing listens on the discard port
    with pytest.raises(DataUnavailableError) as error:
        fetch_imdb(tmp_path / "cache", url=url)
    message = str(error.value)
    assert url in message and "profile='smoke'" in message and "COURSE_IMDB_DIR" in message
    assert not (tmp_path / "cache" / "datasets" / "aclImdb_v1").exists()
