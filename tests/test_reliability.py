"""Faults and hostile input: each ends in a clear error or a recovery, never a broken cache."""

import hashlib
import io
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from conftest import ROOT
from watched import SILENCE_SECONDS, run_python, stop_tree, watch

from course_utils import synthetic
from course_utils.cache import MARKER, CacheError, build_once, ensure_writable
from course_utils.data import DataUnavailableError, fetch_imdb


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory) -> bytes:
    root = tmp_path_factory.mktemp("corpus")
    synthetic.write_corpus(root, seed=1, sizes={"train": 8, "test": 8, "unsup": 2})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(root / "aclImdb", arcname="aclImdb")
    return buffer.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _nothing_cached(cache: Path) -> bool:
    datasets = cache / "datasets"
    return not datasets.exists() or all(p.name.endswith(".lock") for p in datasets.iterdir())


def test_truncated_download_is_refused_and_leaves_nothing(tmp_path, archive_server, good_archive):
    archive_server.body, archive_server.length = good_archive[: len(good_archive) // 2], len(good_archive)
    with pytest.raises(DataUnavailableError, match="could not download the IMDB archive"):
        fetch_imdb(tmp_path, url=archive_server.url, sha256=_sha(good_archive))
    assert _nothing_cached(tmp_path)


def test_truncated_file_with_matching_length_fails_the_checksum(tmp_path, archive_server, good_archive):
    archive_server.body = good_archive[:-100]
    with pytest.raises(DataUnavailableError, match="failed its sha256 check"):
        fetch_imdb(tmp_path, url=archive_server.url, sha256=_sha(good_archive))
    assert _nothing_cached(tmp_path)


def test_wrong_checksum_is_never_extracted_and_fetched_again_next_time(tmp_path, archive_server, good_archive):
    archive_server.body = b"not the archive you asked for"
    with pytest.raises(DataUnavailableError, match="failed its sha256 check"):
        fetch_imdb(tmp_path, url=archive_server.url, sha256=_sha(good_archive))
    assert _nothing_cached(tmp_path)
    archive_server.body = good_archive
    root = fetch_imdb(tmp_path, url=archive_server.url, sha256=_sha(good_archive))
    assert (root / "train" / "pos").is_dir() and archive_server.hits == 2


def _hostile_archive(kind: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        good = tarfile.TarInfo("aclImdb/train/pos/0_9.txt")
        good.size = 4
        tar.addfile(good, io.BytesIO(b"good"))
        if kind == "symlink":
            link = tarfile.TarInfo("aclImdb/train/neg/0_1.txt")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(link)
        else:
            name = {"parent": "aclImdb/../../escaped.txt", "absolute": "/tmp/course-escaped.txt"}[kind]
            evil = tarfile.TarInfo(name)
            evil.size = 4
            tar.addfile(evil, io.BytesIO(b"evil"))
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["parent", "absolute", "symlink"])
def test_archive_entries_that_climb_out_are_refused(tmp_path, archive_server, kind):
    archive_server.body = _hostile_archive(kind)
    cache = tmp_path / "cache"
    with pytest.raises(DataUnavailableError, match="refusing archive aclImdb_v1.tar.gz: unsafe entry"):
        fetch_imdb(cache, url=archive_server.url, sha256=_sha(archive_server.body))
    assert _nothing_cached(cache)
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/course-escaped.txt").exists()


def _toy_build():
    def build(tmp: Path):
        (tmp / "a.txt").write_text("a")
        (tmp / "b.txt").write_text("b")

    return build


def test_cache_entry_missing_a_file_is_rebuilt(tmp_path):
    target = build_once(tmp_path / "entry", _toy_build(), {"v": 1}, required=("a.txt", "b.txt"))
    (target / "b.txt").unlink()
    rebuilt = build_once(tmp_path / "entry", _toy_build(), {"v": 1}, required=("a.txt", "b.txt"))
    assert (rebuilt / "b.txt").read_text() == "b"


def test_half_written_cache_entry_without_marker_is_rebuilt(tmp_path):
    (tmp_path / "entry").mkdir()
    (tmp_path / "entry" / "a.txt").write_text("half")
    target = build_once(tmp_path / "entry", _toy_build(), {"v": 1}, required=("a.txt", "b.txt"))
    assert (target / "a.txt").read_text() == "a" and (target / MARKER).is_file()


def test_failed_build_leaves_nothing(tmp_path):
    def broken(tmp: Path):
        (tmp / "a.txt").write_text("a")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        build_once(tmp_path / "entry", broken, {"v": 1})
    assert [p.name for p in tmp_path.iterdir()] == [".entry.lock"]


SLOW_BUILD = """
import sys, time
from pathlib import Path
from course_utils.cache import build_once
def build(tmp):
    with open(sys.argv[2], "a") as log:
        log.write("build\\n")
    (tmp / "a.txt").write_text("a")
    time.sleep(float(sys.argv[3]))
    (tmp / "b.txt").write_text("b")
print(build_once(Path(sys.argv[1]), build, {"v": 1}, required=("a.txt", "b.txt")))
"""


def _builder(tmp_path, sleep: float) -> subprocess.Popen:
    """A process building the entry; `watch` it (it prints only at the end: a hang-only bound)."""
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(tmp_path / "entry"), str(tmp_path / "log"), str(sleep)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )


def test_four_processes_building_at_once_end_with_one_valid_entry(tmp_path):
    builders = [_builder(tmp_path, 1.0) for _ in range(4)]
    try:
        done = [watch(p) for p in builders]
    finally:
        for p in builders:
            stop_tree(p)  # those still running when one failed
    outputs = {d.stdout.strip().splitlines()[-1] for d in done}  # after any waiting notice
    assert outputs == {str(tmp_path / "entry")}
    assert (tmp_path / "log").read_text() == "build\n"  # built once, reused three times
    assert (tmp_path / "entry" / "b.txt").read_text() == "b"


def test_build_killed_midway_is_recovered_by_the_next_run(tmp_path):
    victim = _builder(tmp_path, 3600)  # killed once its build has started, long before it could end
    try:
        started = time.monotonic()
        while not (tmp_path / "log").exists():
            assert victim.poll() is None, watch(victim).stderr[-2000:]
            assert time.monotonic() - started < SILENCE_SECONDS, "the build never started (a hang)"
            time.sleep(0.1)
    finally:
        victim.send_signal(signal.SIGKILL)  # a no-op if it already ended, so never an error of its own
        victim.wait()
    assert not (tmp_path / "entry").exists()  # nothing looks complete
    survivor = watch(_builder(tmp_path, 0))
    assert survivor.stdout.strip() == str(tmp_path / "entry"), survivor.stderr[-2000:]
    assert (tmp_path / "entry" / "b.txt").read_text() == "b"
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_unwritable_cache_directory_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CacheError, match=r"cache directory '.*a-file/cache' is not writable .*COURSE_CACHE_DIR"):
        ensure_writable(blocker / "cache")
    result = run_python(
        "import course_utils\n"
        "try:\n"
        "    course_utils.setup(level=2, verbose=False)\n"
        "except course_utils.CacheError as e:\n"
        "    print('ERR', e)\n",
        COURSE_CACHE_DIR=str(blocker / "cache"),
    )
    assert "ERR cache directory" in result.stdout and "\n" not in result.stdout.strip()


NETWORK_CALLS = """
import socket, time
slept, connections = [], []
real_sleep, real_connect = time.sleep, socket.socket.connect
def sleep(seconds):
    slept.append(seconds)
    real_sleep(seconds)
def connect(self, address):
    connections.append(address)
    return real_connect(self, address)
time.sleep, socket.socket.connect = sleep, connect
"""


@pytest.mark.slow
def test_full_profile_without_network_fails_at_once_naming_what_and_how(tmp_path):
    """setup() itself (the frameworks imported beforehand) gives up at once: no wait on a network timeout.

    "At once" is counted, not timed (a loaded machine is slow at everything): one refused
    connection, no retry, no sleep before the error (about 0.02 s on an idle 2-core machine)."""
    result = run_python(
        "import time, keras, tensorflow, jax, course_utils\n" + NETWORK_CALLS + "started = time.monotonic()\n"
        "try:\n"
        "    course_utils.setup(level=2, profile='full', verbose=False)\n"
        "except course_utils.DataUnavailableError as e:\n"
        "    print('SECONDS', time.monotonic() - started)\n"
        "    print('CALLS', len(connections), connections[:3], sum(slept))\n"
        "    print('ERR', e)\n",
        COURSE_CACHE_DIR=str(tmp_path),
        COURSE_IMDB_DIR="",
        COURSE_IMDB_URL="http://127.0.0.1:9/aclImdb_v1.tar.gz",
    )
    *_, seconds, calls, line = result.stdout.strip().splitlines()
    assert line.startswith("ERR could not download the IMDB archive from http://127.0.0.1:9/"), result.stderr[-2000:]
    assert "profile='smoke'" in line and "COURSE_IMDB_DIR" in line
    assert calls == "CALLS 1 [('127.0.0.1', 9)] 0", (calls, seconds)  # one attempt, then the error
