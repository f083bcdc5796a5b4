"""Smoke presets are reproducible: the same recipe gives the same bits in any fresh cache, and
building them leaves the asking run's random state alone.

One fresh build serves both checks (a build is the suite's most expensive step).

No wall-clock bound (on a busy machine a cold build once outlived a 600 s timeout with nothing
wrong): the build stops itself after `presets.STALL_SECONDS` without progress, and the asking
process is stopped (tests/watched.py) only when it prints nothing for longer than that.
"""

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from watched import run_python

from course_utils.presets import resolve_preset

ASK_FROM_TORCH = """
import course_utils
cfg = course_utils.setup(level=1, profile="smoke", seed=7, verbose=False)  # a torch process asks first
import keras, numpy as np
print("PATHS", cfg.backbone_preset, cfg.classifier_preset)
print("DRAW", float(keras.random.uniform(())), float(np.random.rand()))
"""


def tensors(weights_file: Path) -> dict[str, np.ndarray]:
    """Every array in a Keras .weights.h5 file, by its path in the file."""
    found = {}
    with h5py.File(weights_file, "r") as handle:
        handle.visititems(
            lambda name, item: found.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None
        )
    return found


@pytest.mark.slow
def test_a_fresh_cache_from_another_backend_builds_identical_presets_and_keeps_the_random_state(cache_dir, tmp_path):
    """The session's presets (asked for from jax) against a fresh build asked for from torch; the same
    draws after the presets whether the run built them (cold) or found them (warm)."""
    cold = run_python(ASK_FROM_TORCH, backend="torch", COURSE_CACHE_DIR=str(tmp_path))
    assert cold.returncode == 0, cold.stderr[-3000:]
    # Asked second, so that `make test` can build the session's presets (`make prepare`) meanwhile.
    reference = [Path(resolve_preset(kind, "tiny", "smoke", cache_dir)) for kind in ("backbone", "classifier")]
    fresh = [Path(p) for p in cold.stdout.split("PATHS", 1)[1].split("\n", 1)[0].split()]
    for old, new in zip(reference, fresh, strict=True):
        assert old.name == new.name  # same recipe, so the same cache key
        for name in ("config.json", "tokenizer.json", "assets/tokenizer/vocabulary.txt"):
            assert (old / name).read_bytes() == (new / name).read_bytes(), name
        for weights in sorted(p.name for p in old.glob("*.weights.h5")):
            a, b = tensors(old / weights), tensors(new / weights)
            assert a and a.keys() == b.keys(), weights
            differ = [name for name in a if a[name].tobytes() != b[name].tobytes()]
            assert not differ, f"{len(differ)} of {len(a)} tensors differ in {weights}: {differ[:3]}"
    assert json.loads((fresh[0] / ".complete.json").read_text())["kind"] == "backbone"

    warm = run_python(ASK_FROM_TORCH, backend="torch", COURSE_CACHE_DIR=str(tmp_path))
    assert warm.returncode == 0, warm.stderr[-3000:]
    draws = [line for result in (cold, warm) for line in result.stdout.splitlines() if line.startswith("DRAW")]
    assert len(draws) == 2 and draws[0] == draws[1], draws
    # The cold run said what it was building and when it was done; the warm one says nothing.
    assert "Building the smoke backbone preset bert_tiny_smoke-" in cold.stdout, cold.stdout
    assert "once per cache" in cold.stdout and "Built the smoke backbone preset" in cold.stdout
    assert "Building" not in warm.stdout
