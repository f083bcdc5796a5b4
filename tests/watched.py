"""Child processes the suite runs without a wall-clock bound: one is stopped only when it stays silent.

On a busy machine correct runs outlived fixed timeouts (a cold preset build once took three times
its 600 s), so a child runs until it ends, however long that is, as long as it keeps printing.
After `SILENCE_SECONDS` with no byte on its stdout or stderr it counts as hung: its whole process
tree is killed and the test fails, naming what the child printed last. The bound is longer than the
preset build's own watchdog (`presets.STALL_SECONDS` without progress), so a stuck build inside a
child reports itself first, with its own message.

A child that prints nothing until it ends (the step-time benchmark, LinkChecker, a short script)
is bounded by the same silence: a hang-only bound. The longest of them here, the step-time
benchmark, took 23 s on this 2-core machine at load 2 to 3: fifty times over, so a machine ten
times slower at load 10 still passes.
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import subprocess
import sys
import threading
import time

import psutil
import pytest

from course_utils.layout import ROOT
from course_utils.presets import STALL_SECONDS

SILENCE_SECONDS = STALL_SECONDS + 300  # the build's own watchdog speaks first


def run_watched(
    command: list[str], *, silence: float = SILENCE_SECONDS, env: dict | None = None, cwd=ROOT
) -> subprocess.CompletedProcess:
    """Run `command` (stdin closed, stdout and stderr captured as text) until it ends; see `watch`."""
    child = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env
    )
    return watch(child, silence=silence)


def run_python(
    code: str, backend: str = "jax", *, silence: float = SILENCE_SECONDS, **env
) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter (a backend is fixed per process), watched for silence; `env` adds
    environment variables."""
    environment = {**os.environ, "KERAS_BACKEND": backend, **env}
    return run_watched([sys.executable, "-c", code], silence=silence, env=environment)


def watch(child: subprocess.Popen, silence: float = SILENCE_SECONDS) -> subprocess.CompletedProcess:
    """Wait for `child` (started with binary stdout and stderr pipes) to end and its pipes to close.

    Fails the test after `silence` seconds without a byte of output, once its process tree is killed.
    However the wait ends, a child still running is killed with everything it started, and an error
    while cleaning up never replaces the one that ended the wait.
    """
    streams = {name: stream for name, stream in (("stdout", child.stdout), ("stderr", child.stderr)) if stream}
    if any(isinstance(stream, io.TextIOBase) for stream in streams.values()):
        raise TypeError("watch() reads bytes as they come: start the child without text=True")
    heard: queue.Queue = queue.Queue()
    chunks: list[tuple[str, bytes]] = []  # both streams, in the order they arrived

    def read(name, stream):
        try:
            while block := stream.read1(65536):
                chunks.append((name, block))
                heard.put(name)
        finally:
            heard.put(None)

    readers = [threading.Thread(target=read, args=item, daemon=True) for item in streams.items()]
    for reader in readers:
        reader.start()
    try:
        open_streams, last_heard = len(readers), time.monotonic()
        while open_streams or child.poll() is None:
            with contextlib.suppress(queue.Empty):
                open_streams -= heard.get(timeout=min(1.0, silence)) is None
                last_heard = time.monotonic()
            if time.monotonic() - last_heard > silence:
                stop_tree(child)
                pytest.fail(
                    f"no output for {silence:.0f} s, so it was stopped as hung: {_name(child.args)}\n"
                    f"what it printed last:\n{_text(b''.join(block for _, block in chunks))[-3000:]}",
                    pytrace=False,
                )
    except BaseException:
        stop_tree(child)
        raise
    for reader in readers:
        reader.join()
    out = {name: _text(b"".join(block for stream, block in chunks if stream == name)) for name in ("stdout", "stderr")}
    return subprocess.CompletedProcess(child.args, child.returncode, out["stdout"], out["stderr"])


def stop_tree(child: subprocess.Popen) -> None:
    """Kill `child` and every process it started; never raises (it runs while another error is raised)."""
    if child.returncode is not None:
        return  # already waited for: its pid may belong to another process by now
    try:
        tree = psutil.Process(child.pid).children(recursive=True)
    except psutil.Error:
        tree = []
    with contextlib.suppress(OSError):
        child.kill()
    for process in tree:
        with contextlib.suppress(psutil.Error):
            process.kill()
    with contextlib.suppress(Exception):
        child.wait(60)
        psutil.wait_procs(tree, timeout=60)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _name(args) -> str:
    words = [str(word) for word in (args if isinstance(args, list | tuple) else [args])]
    line = " ".join(words)
    return line if len(line) <= 200 else line[:200] + " ..."
