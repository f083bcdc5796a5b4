# The course's commands. `make setup` is implied by every target that needs the venv.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
WORKERS ?= 2
BACKENDS ?= jax tensorflow torch
# One cache for every target: corpora and presets are built once and shared.
export COURSE_CACHE_DIR ?= $(CURDIR)/.cache/course

.PHONY: setup prepare test lab clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

## Build the offline corpus and presets and print where they are.
prepare: setup
	$(PY) -m course_utils prepare

## The whole test suite: unit and papermill tests, then nbmake runs every notebook as
## committed, in the smoke profile, once per backend (results go to a scratch directory).
test: setup
	$(PY) -m pytest -n $(WORKERS) tests
	for backend in $(BACKENDS); do \
	  echo "== nbmake, $$backend backend"; \
	  COURSE_RESULTS_DIR=$$(mktemp -d) KERAS_BACKEND=$$backend COURSE_PROFILE=smoke \
	    $(PY) -m pytest -n $(WORKERS) --nbmake --nbmake-timeout=600 notebooks || exit 1; \
	done

## JupyterLab at the repository root (course_utils is importable from the notebooks).
lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=.

clean:
	rm -rf $(VENV) .pytest_cache runs
