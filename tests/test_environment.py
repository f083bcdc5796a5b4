"""The environment variables are read in one module and documented once; importing the package imports no framework."""

import re

from conftest import ROOT
from watched import run_python

from course_utils import environment


def test_readme_lists_exactly_the_variables_of_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("| variable | meaning | default |") :]
    rows = section[: section.index("\n\n")].splitlines()[2:]
    listed = {name for row in rows for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])}
    assert listed == set(environment.VARIABLES)


def test_no_other_module_reads_a_course_variable():
    for path in sorted((ROOT / "course_utils").glob("*.py")):
        if path.name == "environment.py":
            continue
        reads = re.findall(r"(?:os\.environ\.get|os\.getenv)\(\s*[\"']((?:COURSE|KERAS)_\w+)", path.read_text())
        assert not reads, f"{path.name} reads {reads}: use course_utils.environment"


def test_empty_values_count_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv(environment.COURSE_DATA_PARALLEL, "")
    monkeypatch.setenv(environment.COURSE_PRESET_DIR, "")
    assert environment.data_parallel() is False and environment.preset_dir() is None
    monkeypatch.setenv(environment.COURSE_DATA_PARALLEL, "1")
    monkeypatch.setenv(environment.COURSE_CACHE_DIR, str(tmp_path))
    assert environment.data_parallel() is True and environment.cache_dir() == tmp_path


def test_importing_the_package_imports_no_framework():
    """setup() must choose the backend before keras is imported, and the Colab cell imports
    course_utils.colab and .devices before pip runs: none of these may import a framework."""
    modules = ("course_utils", "config", "layout", "runner", "__main__", "estimate", "colab", "devices")
    result = run_python(
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name if name == 'course_utils' else f'course_utils.{name}')\n"
        "print(sorted(m for m in ('keras', 'keras_hub', 'tensorflow', 'jax', 'torch') if m in sys.modules))"
    )
    assert result.stdout.strip() == "[]", result.stderr[-2000:]
