"""Where a run's data and presets came from, as its results and report state it."""

from course_utils import data
from course_utils.runtime import preset_provenance


def make_imdb(root):
    for part in data.LAYOUT:
        (root / part).mkdir(parents=True)
        (root / part / "0_1.txt").write_text("a review", encoding="utf-8")
    return root


def test_a_directory_from_course_imdb_dir_is_unverified(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_IMDB_DIR", str(make_imdb(tmp_path / "aclImdb")))
    root, provenance = data.imdb_source("full", tmp_path / "cache", seed=1)
    assert root == tmp_path / "aclImdb"
    assert provenance == f"IMDB directory from COURSE_IMDB_DIR, unverified ({tmp_path / 'aclImdb'})"


def test_the_downloaded_archive_is_sha256_verified(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_IMDB_DIR", raising=False)
    monkeypatch.setenv("COURSE_IMDB_URL", "http://127.0.0.1:9/aclImdb_v1.tar.gz")
    monkeypatch.setattr(
        data, "fetch_imdb", lambda cache_dir: tmp_path / "aclImdb"
    )  # the download is tested in test_data
    _, provenance = data.imdb_source("full", tmp_path, seed=1)
    assert provenance == "IMDB archive from http://127.0.0.1:9/aclImdb_v1.tar.gz, sha256 verified"


def test_presets_are_told_apart_by_where_they_live(tmp_path):
    cache = tmp_path / "cache"
    assert preset_provenance("bert_tiny_en_uncased", cache) == "keras-hub preset bert_tiny_en_uncased (Kaggle)"
    built = cache / "presets" / "bert_tiny_smoke-abc"
    assert preset_provenance(str(built), cache) == "built by the course from synthetic data (bert_tiny_smoke-abc)"
    local = tmp_path / "presets" / "bert_tiny_en_uncased"
    assert preset_provenance(str(local), cache) == f"local directory from COURSE_PRESET_DIR, unverified ({local})"
