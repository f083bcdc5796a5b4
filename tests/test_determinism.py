"""Smoke presets are reproducible: the same recipe gives the same bits in any fresh cache."""

import json
from pathlib import Path

import h5py
import numpy as np

from course_utils.presets import resolve_preset
from conftest import run_python

BUILD_FROM_TORCH = """
import course_utils
cfg = course_utils.setup(level=1, profile="smoke", verbose=False)  # a torch process asks first
print("PATHS", cfg.backbone_preset, cfg.classifier_preset)
"""


def tensors(weights_file: Path) -> dict[str, np.ndarray]:
    """Every array in a Keras .weights.h5 file, by its path in the file."""
    found = {}
    with h5py.File(weights_file, "r") as handle:
        handle.visititems(lambda name, item: found.__setitem__(name, item[()])
                          if isinstance(item, h5py.Dataset) else None)
    return found


def test_a_fresh_cache_from_another_backend_builds_identical_presets(cache_dir, tmp_path):
    """The session's presets (asked for from jax) against a fresh build asked for from torch."""
    reference = [Path(resolve_preset(kind, "tiny", "smoke", cache_dir)) for kind in ("backbone", "classifier")]
    result = run_python(BUILD_FROM_TORCH, backend="torch", COURSE_CACHE_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    fresh = [Path(p) for p in result.stdout.split("PATHS", 1)[1].split()]
    for old, new in zip(reference, fresh):
        assert old.name == new.name  # same recipe, so the same cache key
        for name in ("config.json", "tokenizer.json", "assets/tokenizer/vocabulary.txt"):
            assert (old / name).read_bytes() == (new / name).read_bytes(), name
        for weights in sorted(p.name for p in old.glob("*.weights.h5")):
            a, b = tensors(old / weights), tensors(new / weights)
            assert a and a.keys() == b.keys(), weights
            differ = [name for name in a if a[name].tobytes() != b[name].tobytes()]
            assert not differ, f"{len(differ)} of {len(a)} tensors differ in {weights}: {differ[:3]}"
    assert json.loads((fresh[0] / ".complete.json").read_text())["kind"] == "backbone"
