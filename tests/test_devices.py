"""`python -m course_utils devices`: what each backend sees, and what to do when a GPU is missed."""

import sys

import pytest
from watched import run_watched

from course_utils import devices


@pytest.mark.slow
def test_cli_lists_every_backend_with_its_devices():
    # Silent until it ends; each probe gives up after devices.probe's own 300 s, before the watch would.
    result = run_watched([sys.executable, "-m", "course_utils", "devices"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("NVIDIA GPU:")
    for backend in ("jax", "tensorflow", "torch"):
        line = next(line for line in lines if line.startswith(backend))
        kinds = {device.split(":")[0] for device in line.split()[1:]}
        assert kinds and kinds <= {"cpu", "gpu", "cuda"}, line
    assert result.stderr == ""  # quiet: the frameworks' start-up chatter stays in the children


def test_a_missed_gpu_gets_the_install_hint():
    found = {"jax": ["cpu:0"], "tensorflow": ["cpu:0", "gpu:0"], "torch": "ModuleNotFoundError: torch"}
    lines = devices.report(found, ["GPU 0: NVIDIA H100"])
    assert lines[0] == "NVIDIA GPU: GPU 0: NVIDIA H100"
    jax_at = lines.index("jax         cpu:0")
    assert "GPU=1" in lines[jax_at + 1] and "jax[cuda12]" in lines[jax_at + 1]
    assert lines[jax_at + 2] == "tensorflow  cpu:0 gpu:0"  # sees the GPU: no hint
    assert lines[-1] == "torch       could not start: ModuleNotFoundError: torch"


def test_no_hint_without_a_gpu():
    assert devices.report({"jax": ["cpu:0"]}, []) == ["NVIDIA GPU: none found (nvidia-smi)", "jax         cpu:0"]


def test_a_failing_or_hanging_probe_is_reported_not_raised(monkeypatch):
    monkeypatch.setitem(devices.PROBES, "jax", "raise SystemExit('jax is broken here')")
    monkeypatch.setitem(devices.PROBES, "torch", "import time; time.sleep(600)")
    # The hanging probe is waited for first, so the broken one (started with it) has at least twice
    # the timeout to end: about a hundred times what it takes on an idle 2-core machine.
    found = devices.probe(("torch", "jax"), timeout=5)
    assert found == {"jax": "jax is broken here", "torch": "no answer within 5 s"}
