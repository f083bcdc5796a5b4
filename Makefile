# The course's commands. `make setup` is implied by every target that needs the venv.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
WORKERS ?= 2

.PHONY: setup prepare test lab clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

## Build the offline corpus and presets and print where they are.
prepare: setup
	$(PY) -m course_utils prepare

## The whole test suite: unit tests, then every notebook on three backends.
test: setup
	$(PY) -m pytest -n $(WORKERS) tests

## JupyterLab at the repository root (course_utils is importable from the notebooks).
lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=.

clean:
	rm -rf $(VENV) .pytest_cache runs
