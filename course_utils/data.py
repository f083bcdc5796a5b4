"""IMDB data for both profiles: the real archive (full) or a synthetic twin (smoke), same layout.

Either way the notebooks receive `train_dir` and `test_dir`, each holding only
`neg/` and `pos/` (no `unsup/`, as in the guide), ready for
`keras.utils.text_dataset_from_directory`.
"""

from __future__ import annotations

import os
import random
import shutil
import tarfile
from pathlib import Path

from . import synthetic
from .cache import build_once, recipe_key

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
ARCHIVE_NAME = "aclImdb_v1.tar.gz"
SPLITS = ("train", "test")
CLASSES = ("neg", "pos")
LAYOUT = tuple(f"{split}/{label}" for split in SPLITS for label in CLASSES)
SYNTHETIC_VERSION = 2  # bump when synthetic.py changes what it writes


class DataUnavailableError(RuntimeError):
    """The dataset could not be fetched or is not valid; the message says what to do instead."""


def offline_hint(what: str) -> str:
    return (
        f"Run offline with profile='smoke' (COURSE_PROFILE=smoke), or fetch {what} by hand "
        "and point the course at it (COURSE_IMDB_DIR=/path/to/aclImdb, COURSE_PRESET_DIR=/path/to/presets)."
    )


def check_layout(root: Path) -> Path:
    """Return root if it has IMDB's train/test x neg/pos folders with reviews, else raise."""
    root = Path(root).expanduser().absolute()
    missing = [part for part in LAYOUT if not any((root / part).glob("*.txt"))]
    if missing:
        raise DataUnavailableError(
            f"{str(root)!r} is not an aclImdb directory: no reviews in {', '.join(missing)}"
        )
    return root


def _extract_safely(archive: Path, destination: Path) -> None:
    """Extract a tar archive, refusing it whole if any entry is a link, absolute, or climbs out.

    (keras' own extraction skips such entries with a warning; the course refuses the archive.)
    """
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            parts = Path(member.name).parts
            if member.name.startswith(("/", "\\")) or ".." in parts or not (member.isfile() or member.isdir()):
                raise DataUnavailableError(
                    f"refusing archive {archive.name}: unsafe entry {member.name!r} "
                    "(absolute path, '..' or link); nothing was extracted"
                )
        tar.extractall(destination, members=members, filter="data")


def fetch_imdb(cache_dir: Path, url: str | None = None, sha256: str = IMDB_SHA256) -> Path:
    """Download, verify and extract the IMDB archive once; return the path of `aclImdb`.

    `keras.utils.get_file` downloads with a progress bar and checks the sha256. Both
    happen inside a temporary folder that becomes the cache entry only when the
    archive verified and extracted: a wrong checksum, a cut-off download or an
    interrupted extraction leaves nothing behind, so the next call fetches again.
    The URL defaults to COURSE_IMDB_URL (a mirror) or Stanford's.
    """
    import keras

    url = url or os.environ.get("COURSE_IMDB_URL") or IMDB_URL
    target = Path(cache_dir) / "datasets" / "aclImdb_v1"

    def download_and_extract(tmp: Path) -> None:
        try:
            archive = keras.utils.get_file(ARCHIVE_NAME, origin=url, file_hash=sha256, hash_algorithm="sha256",
                                           cache_dir=str(tmp.parent), cache_subdir=tmp.name)
        except ValueError as error:  # checksum mismatch
            raise DataUnavailableError(
                f"the IMDB archive from {url} failed its sha256 check and was deleted ({error})"
            ) from None
        except Exception as error:
            raise DataUnavailableError(
                f"could not download the IMDB archive from {url} ({error}). " + offline_hint("aclImdb_v1.tar.gz")
            ) from None
        try:
            _extract_safely(Path(archive), tmp)
        except tarfile.TarError as error:
            raise DataUnavailableError(f"the IMDB archive from {url} could not be read ({error})") from None
        check_layout(tmp / "aclImdb")

    build_once(target, download_and_extract, {"url": url, "sha256": sha256})
    return target / "aclImdb"


def synthetic_imdb(cache_dir: Path, seed: int) -> Path:
    """Generate (once per seed) the synthetic corpus; return the path of its `aclImdb`."""
    recipe = {"synthetic": SYNTHETIC_VERSION, "seed": seed, "sizes": synthetic.SIZES}
    target = Path(cache_dir) / "datasets" / f"synthetic-imdb-{recipe_key(recipe)}"
    build_once(target, lambda tmp: synthetic.write_corpus(tmp, seed), recipe,
               required=tuple(f"aclImdb/{part}" for part in LAYOUT))
    return target / "aclImdb"


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)


def make_view(source: Path, cache_dir: Path, max_examples: int | None, seed: int) -> Path:
    """A directory with train/test x neg/pos only, at most `max_examples` reviews per split, balanced.

    The subset is drawn with `seed`; reviews are hard links into `source`, so a view is cheap.
    """
    source = check_layout(source)
    recipe = {"source": str(source), "max_examples": max_examples, "seed": seed}
    target = Path(cache_dir) / "views" / f"imdb-{recipe_key(recipe)}"

    def build(tmp: Path) -> None:
        for split in SPLITS:
            for index, label in enumerate(CLASSES):
                files = sorted((source / split / label).glob("*.txt"))
                if max_examples is not None:
                    keep = max_examples // 2 + (max_examples % 2 if index == 0 else 0)
                    files = sorted(random.Random(f"{seed}-{split}-{label}").sample(files, min(keep, len(files))))
                folder = tmp / split / label
                folder.mkdir(parents=True)
                for file in files:
                    _link_or_copy(file, folder / file.name)

    return build_once(target, build, recipe, required=LAYOUT)
