"""The notebooks as tests: committed clean, and run by papermill with explicit parameters.

(`make test` runs them as committed once per backend: nbmake on torch, the browser test on
tensorflow, the site's batch run on jax; tests/figures.py checks what those runs produce.)
"""

import ast
import json
import shutil
from pathlib import Path

import pytest
from figures import loss_falls
from notebook_run import run_notebook

from course_utils.config import LEVEL_SETTINGS, LEVELS, RUN_PARAMETERS
from course_utils.layout import course_notebooks, notebook_level, results_file
from course_utils.presets import resolve_preset

NOTEBOOKS = course_notebooks()


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_is_one_notebook_per_level():
    assert [notebook_level(p) for p in NOTEBOOKS] == list(LEVELS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path):
    for cell in _load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, cell["source"][:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_one_parameters_cell_and_one_setup_call(path):
    cells = _load(path)["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assigned = [node.targets[0].id for node in ast.parse("".join(tagged[0]["source"])).body]
    assert assigned == list(RUN_PARAMETERS)
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert source.count("course_utils.setup(") == 1
    assert f"level={notebook_level(path)}" in source
    assert "mixed_float16" not in source and "jit_compile=True" not in source


# The six as committed (default parameters) run on torch under nbmake, on tensorflow in the browser
# test and on jax in the site's batch run, and each of those runs passes tests/figures.py; the runs
# here are the ones whose parameters differ from the defaults, checking that the parameters reach
# the notebook.


@pytest.mark.slow
def test_level3_sequence_length_reaches_the_preprocessor_and_caps_the_packer(tmp_path):
    results = run_notebook(
        3, tmp_path, backend="tensorflow", profile="smoke", sequence_length=48, epochs=2, max_examples=1600
    )
    assert loss_falls(results)
    assert (results["params"]["sequence_length"], results["params"]["epochs"]) == (48, 2)
    packer = results["settings"]["packer_sequence_length"]
    assert (
        results["figures"]["packed_length"] == packer == min(48, LEVEL_SETTINGS[3]["smoke"]["packer_sequence_length"])
    )


@pytest.mark.slow
def test_level5_preset_saved_on_one_backend_loads_back_on_another(tmp_path, cache_dir):
    # Run again where an earlier run left its files, as a learner's second Run All does: the other
    # backbone's preset is overwritten, not mixed into this one, and the results file replaced.
    shutil.copytree(resolve_preset("backbone", "tiny", "smoke", cache_dir), tmp_path / "level5_pretrained_backbone")
    results_file(tmp_path, 5).write_text('{"earlier": "run"}', encoding="utf-8")
    results = run_notebook(
        5, tmp_path, backend="tensorflow", profile="smoke", sequence_length=32, epochs=2, max_examples=200
    )
    assert results["figures"]["reloaded_matches"] is True
    assert loss_falls(results)
    assert results["settings"]["mask_selection_length"] == 32 // 4  # capped by the shorter sequence
    import keras_hub  # in-process backend is jax: the preset crosses backends

    backbone = keras_hub.models.BertBackbone.from_preset(results["figures"]["preset_dir"])
    assert backbone.num_layers == results["settings"]["num_layers"]
    assert backbone.hidden_dim == results["settings"]["hidden_dim"]
