"""The notebooks as tests: committed clean, and run by papermill with explicit parameters.

(nbmake runs them as committed on tensorflow and torch, the browser test on jax: see the
Makefile's `test` target; tests/figures.py checks what those runs produce.)
"""

import ast
import json
from pathlib import Path

import pytest
from figures import loss_falls

from course_utils.config import RUN_PARAMETERS
from course_utils.runner import course_notebooks

NOTEBOOKS = course_notebooks()


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_is_one_notebook_per_level():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


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
    assert f"level={int(path.name[:2])}" in source
    assert "mixed_float16" not in source and "jit_compile=True" not in source
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "가이드와 다른 점" in markdown and "연습 문제" in markdown


@pytest.fixture
def run_notebook(tmp_path, monkeypatch):
    """Execute notebook `number` with papermill into tmp_path; return its results JSON."""
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))
    return lambda number, **parameters: _execute(number, tmp_path, **parameters)


def _execute(number: int, tmp_path: Path, **parameters) -> dict:
    """Run from tmp_path, not notebooks/: a notebook must find its data and package from anywhere."""
    import papermill

    path = next(p for p in NOTEBOOKS if p.name.startswith(f"{number:02d}_"))
    papermill.execute_notebook(
        str(path),
        str(tmp_path / path.name),
        parameters=parameters,
        cwd=str(tmp_path),
        progress_bar=False,
        kernel_name="python3",
    )
    return json.loads((tmp_path / f"level{number}_results.json").read_text())


# The six as committed (default parameters) run on jax in the browser test and on tensorflow and
# torch under nbmake, and each of those runs passes tests/figures.py; the runs here are the ones
# whose parameters differ from the defaults, checking that the parameters reach the notebook.


@pytest.mark.slow
def test_level3_sequence_length_reaches_the_preprocessor_and_caps_the_packer(run_notebook):
    results = run_notebook(3, backend="tensorflow", profile="smoke", sequence_length=48, epochs=2, max_examples=400)
    assert loss_falls(results)
    assert (results["params"]["sequence_length"], results["params"]["epochs"]) == (48, 2)
    assert results["figures"]["packed_length"] == results["settings"]["packer_sequence_length"] == 32


@pytest.mark.slow
def test_level5_preset_saved_on_one_backend_loads_back_on_another(run_notebook):
    results = run_notebook(5, backend="tensorflow", profile="smoke", sequence_length=32, epochs=2, max_examples=200)
    assert results["figures"]["reloaded_matches"] is True
    assert loss_falls(results)
    assert results["settings"]["mask_selection_length"] == 32 // 4  # capped by the shorter sequence
    import keras_hub  # in-process backend is jax: the preset crosses backends

    backbone = keras_hub.models.BertBackbone.from_preset(results["figures"]["preset_dir"])
    assert backbone.num_layers == results["settings"]["num_layers"]
    assert backbone.hidden_dim == results["settings"]["hidden_dim"]
