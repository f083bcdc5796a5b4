"""Keep TensorFlow's native start-up chatter out of the notebooks; Python warnings still show.

In Jupyter every line a C++ library writes to file descriptor 2 becomes a red stderr
block that a learner cannot tell from a real error. On a CPU machine TensorFlow 2.21
writes, at import, absl lines that no log level filters (oneDNN is on, no CUDA driver),
twice; later an error-level `failed call to cuInit ... (303)` and a oneDNN `DT_INT64`
fallback line, both harmless. `TF_CPP_MIN_LOG_LEVEL=3` hides the later ones; the import
ones are sent to /dev/null while TensorFlow loads. Set TF_CPP_MIN_LOG_LEVEL yourself
(e.g. 0) to see them all.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

TF_LOG_LEVEL = "3"  # TensorFlow C++ logs: 0 all, 1 no INFO, 2 no WARNING, 3 no ERROR


def quiet_tensorflow_logs() -> None:
    """Raise TensorFlow's C++ log threshold unless the user chose one (read when TensorFlow loads)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)


@contextmanager
def native_stderr_silenced():
    """Point file descriptor 2 at /dev/null; Python's own `sys.stderr` keeps writing where it did.

    In a Jupyter kernel `sys.stderr` is not descriptor 2, so Python warnings are untouched;
    in a plain interpreter it is, and it is rebound to a copy of the real descriptor.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    python_stderr = sys.stderr
    try:
        python_uses_fd2 = python_stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        python_uses_fd2 = False
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    if python_uses_fd2:
        sys.stderr = open(saved, "w", closefd=False, encoding=python_stderr.encoding, errors="backslashreplace")
    try:
        yield
    finally:
        if python_uses_fd2:
            sys.stderr.flush()
            sys.stderr = python_stderr
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (every course backend needs it for tf.data) without its native start-up lines."""
    quiet_tensorflow_logs()
    if "tensorflow" in sys.modules:
        return
    with native_stderr_silenced():
        import tensorflow  # noqa: F401
