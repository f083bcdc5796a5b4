"""Shared test setup: the course's own cache, jax as the in-process backend, a loopback archive server,
and benchmarks/ and tools/ importable (their scripts are tested as modules)."""

import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

from course_utils.layout import ROOT

for scripts in ("benchmarks", "tools"):
    if str(ROOT / scripts) not in sys.path:
        sys.path.append(str(ROOT / scripts))
# Presets and corpora are recipe-keyed, so the course's cache (COURSE_CACHE_DIR, else the
# default) serves every test run and every clone; xdist workers building the same preset at
# once are serialised by the cache's lock. Tests that need a fresh cache make their own.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    from course_utils import environment

    return environment.cache_dir()


class ArchiveServer:
    """A loopback HTTP server with one file, aclImdb_v1.tar.gz, whose bytes (`body`) and announced
    Content-Length (`length`, default the body's) the test sets; `hits` counts the downloads."""

    def __init__(self):
        self.body, self.length, self.hits = b"", None, 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                self.send_response(200)
                self.send_header("Content-Length", str(server.length or len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/aclImdb_v1.tar.gz"


@pytest.fixture
def archive_server():
    server = ArchiveServer()
    yield server
    server.httpd.shutdown()
