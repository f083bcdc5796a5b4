"""tests/watched.py: a child runs as long as it talks, and is stopped, with everything it started, once it
stays silent; the test then fails naming what it printed last."""

import psutil
import pytest
from watched import run_python


def test_a_slow_talking_child_runs_to_its_end():
    """Output without a newline counts (a progress bar), and the two streams come back apart."""
    slow = "import sys, time\nfor i in range(4):\n    print(i, end=' ', flush=True); time.sleep(1)\nsys.exit('done')"
    result = run_python(slow, "jax", silence=3)
    assert (result.returncode, result.stdout.split(), result.stderr) == (1, ["0", "1", "2", "3"], "done\n")


def test_a_silent_child_is_stopped_with_what_it_started():
    hung = (
        "import os, subprocess, sys, time\n"
        "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print('started', os.getpid(), helper.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    with pytest.raises(pytest.fail.Exception, match="no output for 2 s, so it was stopped as hung: ") as failed:
        run_python(hung, "jax", silence=2)
    printed = str(failed.value).rsplit("what it printed last:\n", 1)[1].split()
    assert printed[0] == "started"
    for pid in map(int, printed[1:]):  # the child and what it started were killed
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
