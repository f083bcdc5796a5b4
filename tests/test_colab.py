"""The Colab path: the notebooks' first cell, its install plan, and notebook 01 run in a Colab stand-in.

The stand-in is a fresh virtual environment that sees the course environment's tensorflow, jax,
torch and the rest of a Colab-like image (through a .pth file), but not keras, keras-hub,
keras-nlp, tensorflow-text nor course_utils, which the cell must install itself; plus a stand-in
`google.colab` package imported at kernel start, as in Colab. What cannot be had here: Python
3.12, Colab's own (older, GPU) builds, and a GPU.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import colab_cell  # tools/, on sys.path from conftest
import nbformat
import pytest
from conftest import ROOT
from notebook_run import execute, run_notebook
from packaging.requirements import Requirement

from course_utils import colab

STANDIN = ROOT / "tests" / "colab_standin"
# Left out of the stand-in image: the cell has to install these.
NOT_PREINSTALLED = ("keras", "keras_hub", "keras_nlp", "tensorflow_text", "course_utils")
# The fresh environment brings its own installer.
OWN_TOOLS = ("pip", "setuptools", "_distutils_hack", "pkg_resources", "distutils-precedence.pth")
COURSE = colab.course_requirements(ROOT / "pyproject.toml")
TESTED = colab.tested_tensorflow(ROOT / "pyproject.toml")
PINS = {req.name: next(iter(req.specifier)).version for req in map(Requirement, COURSE + TESTED) if req.specifier}


# --- the cell and the one URL --------------------------------------------------------------------


@pytest.mark.parametrize("path", colab_cell.NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_the_colab_cell_built_from_the_one_url(path):
    cell = nbformat.read(path, as_version=4).cells[colab_cell.CELL_INDEX]
    assert cell.source == colab_cell.cell_source(colab_cell.repository_url()), (
        "run `.venv/bin/python tools/colab_cell.py` to write the Colab cell into the notebooks"
    )
    assert colab_cell.form_default(cell.source) == colab_cell.repository_url()
    # Folded: a lesson opens on its title in JupyterLab and Colab, and the site leaves the cell out.
    assert cell.metadata == colab_cell.CELL_METADATA, "run `.venv/bin/python tools/colab_cell.py` to fold it"


def test_readme_has_the_colab_links_built_from_the_one_url():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in colab_cell.colab_links(colab_cell.repository_url()):
        assert line in readme, "README's Colab lines: see `.venv/bin/python tools/colab_cell.py --readme`"


def test_links_and_form_field_follow_the_url():
    links = colab_cell.colab_links("https://github.com/someone/kerasnlp-course.git")
    assert len(links) == 6 and links[0] == (
        "- [01_inference_pretrained_classifier.ipynb](https://colab.research.google.com/github/someone/"
        "kerasnlp-course/blob/main/notebooks/01_inference_pretrained_classifier.ipynb)"
    )
    assert "not a GitHub repository" in colab_cell.colab_links("https://gitlab.com/a/b.git")[0]
    assert colab_cell.form_default(colab_cell.cell_source("https://github.com/a/b.git")) == "https://github.com/a/b.git"
    with pytest.raises(ValueError, match="quotes"):
        colab_cell.cell_source('https://x/"; import os')


def test_cell_does_nothing_outside_colab(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_REPO_URL", "file:///nonexistent")
    assert "google.colab" not in sys.modules
    namespace = {}
    exec(compile(colab_cell.cell_source(""), "colab_cell", "exec"), namespace)
    assert namespace["COURSE_REPO_URL"] == "" and list(tmp_path.iterdir()) == []


# --- the install plan, for Colab images this machine cannot be -----------------------------------


def test_plan_keeps_a_recent_colab_tensorflow_and_matches_tensorflow_text():
    installed = {
        "tensorflow": "2.20.0",
        "jax": "0.7.2",
        "jaxlib": "0.7.2",
        "jax-cuda12-plugin": "0.7.2",
        "torch": "2.8.0+cu126",
        "numpy": "2.0.2",
    }
    plan = colab.plan(COURSE, installed, TESTED)
    assert "tensorflow-text==2.20.*" in plan.requirements
    assert not any(r.startswith(("tensorflow==", "jax", "torch")) for r in plan.requirements)
    assert plan.constraints == [
        "tensorflow==2.20.0",
        "jax==0.7.2",
        "jaxlib==0.7.2",
        "jax-cuda12-plugin==0.7.2",
        "torch==2.8.0+cu126",
        "numpy==2.0.2",
    ]
    assert set(COURSE) <= set(plan.requirements)


@pytest.mark.parametrize("tensorflow", ["2.19.0", None])
def test_plan_installs_the_tested_tensorflow_where_colab_has_an_older_one(tensorflow):
    installed = {"jax": "0.5.3", "torch": "2.6.0+cu124"} | ({"tensorflow": tensorflow} if tensorflow else {})
    plan = colab.plan(COURSE, installed, TESTED)
    assert set(TESTED) <= set(plan.requirements)
    assert plan.constraints == ["jax==0.5.3", "torch==2.6.0+cu124"]
    assert (
        f"tensorflow-text {PINS['tensorflow-text']}을 설치합니다" in plan.notes[0]
        and "jax와 torch는 Colab의 것을 그대로" in plan.notes[0]
    )
    assert (tensorflow or "tensorflow가 없으므로") in plan.notes[0]


def test_problems_name_each_incompatibility_in_korean():
    before = {"jax": "0.7.2", "torch": "2.8.0"}
    # every course requirement at the version its specifier names (==X or >=X; any if none), then three mismatches
    fitting = {req.name: next((spec.version for spec in req.specifier), "1.0") for req in map(Requirement, COURSE)}
    after = fitting | {
        "keras": "3.10.0",
        "tensorflow": "2.20.0",
        "tensorflow-text": "2.21.1",
        "jax": "0.10.2",
        "torch": "2.8.0",
    }
    found = colab.problems(COURSE, before, after)
    assert found[0] == f"keras 3.10.0: 강좌에 필요한 버전은 =={PINS['keras']}입니다."
    assert "tensorflow 2.20.0과 tensorflow-text 2.21.1" in found[1]
    assert found[2].startswith("jax이(가) 0.7.2에서 0.10.2(으)로 바뀌었습니다")
    assert len(found) == 3
    assert (
        colab.problems(COURSE, before, after | {"keras": PINS["keras"], "tensorflow-text": "2.20.1", "jax": "0.7.2"})
        == []
    )


# --- the cell run for real in a Colab stand-in ---------------------------------------------------


def _excluded(entry: str) -> bool:
    if "course_utils" in entry or entry in OWN_TOOLS:
        return True
    return any(entry == name or entry.startswith(f"{name}-") for name in (*NOT_PREINSTALLED, "pip", "setuptools"))


@pytest.fixture(scope="module")
def colab_image(tmp_path_factory):
    """A fresh venv seeing a Colab-like image; returns (its python, the JUPYTER_PATH with its kernel)."""
    root = tmp_path_factory.mktemp("colab")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    course_site = Path(
        subprocess.run(
            [sys.executable, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    image = root / "preinstalled"
    image.mkdir()
    for entry in course_site.iterdir():
        if not _excluded(entry.name):
            (image / entry.name).symlink_to(entry)
    (site / "colab_image.pth").write_text(f"{image}\n{STANDIN}\n")
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # Colab imports it at kernel start\n")
    kernel = root / "jupyter" / "kernels" / "colab-standin"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Colab stand-in",
                "language": "python",
                "env": {"IPYTHONDIR": str(root / "ipython")},
            }
        )
    )
    return python, root / "jupyter"


KERNEL = "colab-standin"


@pytest.fixture
def in_colab(colab_image, monkeypatch):
    """The stand-in kernel made visible, the environment Colab-like: no course variables set."""
    python, jupyter_path = colab_image
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    for name in ("KERAS_BACKEND", "COURSE_PROFILE", "COURSE_REPO_URL", "PYTHONPATH"):
        monkeypatch.delenv(name, raising=False)


def _cell_text(cell) -> str:
    return "".join(output.get("text", "") + "".join(output.get("traceback", [])) for output in cell.outputs)


@pytest.mark.learner_paths
def test_cell_without_a_url_stops_and_says_what_to_set(in_colab, tmp_path):
    import papermill

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(colab_cell.cell_source(""))])
    nbformat.write(notebook, tmp_path / "cell.ipynb")
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(papermill.PapermillExecutionError) as error:
        execute(tmp_path / "cell.ipynb", run, kernel=KERNEL)
    assert "COURSE_REPO_URL이 비어 있습니다" in str(error.value)
    assert not (run / "kerasnlp-course").exists()


@pytest.mark.learner_paths
def test_notebook_01_runs_in_colab_after_the_first_cell_installs_the_course(
    in_colab, colab_image, tmp_path, monkeypatch
):
    monkeypatch.setenv("COURSE_REPO_URL", f"file://{ROOT}")  # the form field's override: this repository
    results = run_notebook(1, tmp_path, kernel=KERNEL)
    executed = nbformat.read(tmp_path / colab_cell.NOTEBOOKS[0].name, as_version=4)
    setup_output = _cell_text(executed.cells[colab_cell.CELL_INDEX])
    assert f"설치 완료: keras {PINS['keras']}, keras-hub {PINS['keras-hub']}" in setup_output, setup_output
    assert results["synthetic_data"] is True and results["params"]["profile"] == "smoke"
    python, _ = colab_image
    modules = ["keras", "keras_hub", "tensorflow_text", "course_utils", "tensorflow", "jax", "torch"]
    where_code = (
        f"import json, sys, {', '.join(modules)}\nprint(json.dumps({{m: sys.modules[m].__file__ for m in {modules}}}))"
    )
    found = subprocess.run(  # one process for all: each import of tensorflow takes seconds
        [str(python), "-c", where_code], capture_output=True, text=True, cwd=tmp_path, env=os.environ
    )
    assert found.returncode == 0, found.stderr[-2000:]
    where = json.loads(found.stdout.splitlines()[-1])
    venv = str(python.parents[1])
    for module in ("keras", "keras_hub", "tensorflow_text"):  # installed by the cell into Colab's Python
        assert where[module].startswith(venv), where
    assert where["course_utils"].startswith(str(tmp_path / "kerasnlp-course")), where  # the clone, editable
    for module in ("tensorflow", "jax", "torch"):  # Colab's own builds, untouched
        assert "/preinstalled/" in where[module], where
    minor = re.escape(".".join(PINS["tensorflow"].split(".")[:2]))
    assert re.search(rf"tensorflow {minor}\.\d+, tensorflow-text {minor}\.\d+", setup_output)


@pytest.mark.learner_paths
def test_on_a_colab_gpu_runtime_profile_none_means_the_guide_as_written(in_colab, tmp_path, monkeypatch, cache_dir):
    """The GPU runtime: nvidia-smi lists a GPU (a stand-in script here), so after the first cell has
    installed the course, setup() with profile=None picks `full` and says why."""
    from course_utils.data import synthetic_imdb

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nvidia-smi").write_text("#!/bin/sh\necho 'GPU 0: Tesla T4 (UUID: GPU-stand-in)'\n")
    (bin_dir / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("COURSE_REPO_URL", f"file://{ROOT}")
    monkeypatch.setenv("COURSE_IMDB_DIR", str(synthetic_imdb(cache_dir, 42)))  # offline: no IMDB download
    cells = [colab_cell.cell_source(""), "import course_utils\ncfg = course_utils.setup(level=1)\nprint(cfg.profile)"]
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), tmp_path / "gpu.ipynb"
    )
    run = tmp_path / "run"
    run.mkdir()
    summary = _cell_text(execute(tmp_path / "gpu.ipynb", run, kernel=KERNEL).cells[1])
    assert "on Colab with a GPU the course runs the guide as written" in summary, summary
    assert summary.rstrip().endswith("full") and "SMOKE PROFILE" not in summary, summary
