"""Which devices each backend sees, probed in child processes (one per backend, all at once).

`python -m course_utils devices` prints one line per backend; `make setup` runs it last,
so a learner with an NVIDIA GPU sees at once whether jax, tensorflow and torch found it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .config import BACKENDS

# Each probe prints the devices it sees, space-separated, as kind:index (name).
PROBES = {
    "jax": "import jax\nprint(' '.join(f'{d.platform}:{d.id}' for d in jax.devices()))",
    "tensorflow": (
        "import tensorflow as tf\n"
        "print(' '.join(d.name.replace('/physical_device:', '').lower() for d in tf.config.list_physical_devices()))"
    ),
    "torch": (
        "import torch\n"
        "gpus = [f'cuda:{i}' for i in range(torch.cuda.device_count())]\n"
        "print(' '.join(['cpu:0'] + gpus))"
    ),
}
GPU_KINDS = ("gpu", "cuda")
GPU_INSTALL_HINT = {
    "jax": "jax[cpu] never uses a GPU: `make setup GPU=1` adds jax[cuda12]",
    "tensorflow": "tensorflow needs its CUDA libraries: `make setup GPU=1` adds tensorflow[and-cuda]",
    "torch": "a CPU build of torch, or a CUDA build newer than the driver: see the README's GPU section",
}


def nvidia_gpus() -> list[str]:
    """Names of the NVIDIA GPUs that `nvidia-smi -L` lists; empty without the driver or a GPU."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in listing.stdout.splitlines() if line.startswith("GPU ")]


def probe(backends=BACKENDS, python: str = sys.executable, timeout: float = 300) -> dict[str, list[str] | str]:
    """Per backend: the devices it sees, or a one-line error (import failed, timed out)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
    children = {
        name: subprocess.Popen(
            [python, "-c", PROBES[name]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for name in backends
    }
    found: dict[str, list[str] | str] = {}
    for name, child in children.items():
        try:
            out, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            found[name] = f"no answer within {timeout:.0f} s"
            continue
        lines = out.strip().splitlines()
        if child.returncode or not lines:
            found[name] = (err.strip().splitlines() or [f"exit status {child.returncode}"])[-1]
        else:
            found[name] = lines[-1].split()
    return found


def sees_gpu(devices: list[str] | str) -> bool:
    return isinstance(devices, list) and any(d.split(":")[0] in GPU_KINDS for d in devices)


def report(found: dict[str, list[str] | str], gpus: list[str]) -> list[str]:
    """Lines to print: one per backend, and what to do where a GPU is present but a backend misses it."""
    lines = [f"NVIDIA GPU: {', '.join(gpus)}" if gpus else "NVIDIA GPU: none found (nvidia-smi)"]
    for name, devices in found.items():
        if isinstance(devices, str):
            lines.append(f"{name:<11} could not start: {devices}")
            continue
        lines.append(f"{name:<11} {' '.join(devices)}")
        if gpus and not sees_gpu(devices):
            lines.append(f"{'':<11} ^ sees no GPU: {GPU_INSTALL_HINT[name]}")
    return lines
