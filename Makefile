# The course's commands. `make setup` is implied by every target that needs the venv.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
WORKERS ?= 2
# `make run` grid: PROFILE (smoke|full), BACKENDS ("jax torch"), SIZES ("tiny small"); empty = course defaults.
PROFILE ?=
BACKENDS ?=
SIZES ?=
# `make run` sizing, empty = each level's own: MAX_EXAMPLES (reviews per split), EPOCHS, SEQUENCE_LENGTH,
# SEED, TIMEOUT (seconds per notebook, default 1800), PARAMS ("batch_size=8 ..." any notebook parameter),
# NOTEBOOKS (default all six), OUT (default runs/<date-time>).
MAX_EXAMPLES ?=
EPOCHS ?=
SEQUENCE_LENGTH ?=
SEED ?=
TIMEOUT ?=
PARAMS ?=
NOTEBOOKS ?=
OUT ?=
NBMAKE_BACKENDS = tensorflow torch  # jax: the browser test runs the six as committed
COMMA := ,
# Corpora and presets live in the course's cache (COURSE_CACHE_DIR, default ~/.cache/kerasnlp-course),
# shared by every target and every clone on the machine: entries are keyed by their whole recipe
# (settings, builder source, library versions), so a clone never reuses one it would build otherwise.

.PHONY: setup prepare run lint format test test-fast test-notebooks test-learners test-determinism test-paths test-browser system-packages bench lab sync-text clean

## GPU=1 (NVIDIA, Linux) adds the `gpu` extra: jax[cuda12] and tensorflow[and-cuda].
GPU ?=
INSTALLED = $(VENV)/.installed$(if $(GPU),-gpu)

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev$(if $(GPU),$(COMMA)gpu)]'
	$(PY) -m course_utils devices
	touch $@

## Build the offline corpus and presets and print where they are.
prepare: setup
	$(PY) -m course_utils prepare

## The course's main job: run the notebooks through papermill and write a report under runs/.
## The smoke corpus and presets are built first, unless the profile is full (which never uses them).
run: setup $(if $(filter full,$(or $(PROFILE),$(COURSE_PROFILE))),,prepare)
	$(PY) -m course_utils run --workers $(WORKERS) $(if $(PROFILE),--profile $(PROFILE)) \
	  $(if $(BACKENDS),--backends $(BACKENDS)) $(if $(SIZES),--sizes $(SIZES)) \
	  $(if $(MAX_EXAMPLES),--max-examples $(MAX_EXAMPLES)) $(if $(EPOCHS),--epochs $(EPOCHS)) \
	  $(if $(SEQUENCE_LENGTH),--sequence-length $(SEQUENCE_LENGTH)) $(if $(SEED),--seed $(SEED)) \
	  $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(foreach param,$(PARAMS),--param $(param)) \
	  $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS)) $(if $(OUT),--out $(OUT))

## The whole test suite, as CI runs it. Every notebook execution and what it checks:
## - as committed, smoke: jax in the browser test, tensorflow and torch under nbmake (one results
##   folder, so each also runs twice in a row in one environment); each fails on an error, on any
##   stderr output (tests/nbmake_stderr.py), and on figures that miss tests/figures.py (level 4's
##   frozen backbone must reach 0.70 validation accuracy, and so on);
## - papermill with parameters (tests/test_notebooks.py, levels 3 and 5), the data-parallel run of
##   level 6, the runner's grids (tests/test_runner.py), and the learners' paths (Colab stand-in,
##   the full-profile rehearsal of all six).
## Two streams share the two cores (their lines interleave): the unit, papermill and nbmake passes
## after `prepare`, and the learners' paths after the determinism test. `prepare` and that test
## each build the smoke presets single-threaded, side by side.
test: setup system-packages lint
	$(MAKE) -j2 --output-sync=line test-notebooks test-learners

## Stream one: unit and papermill tests, then nbmake on each backend in NBMAKE_BACKENDS.
test-notebooks: prepare
	$(PY) -m pytest -n $(WORKERS) -m 'not browser and not learner_paths' --ignore=tests/test_determinism.py --durations=10 tests
	results=$$(mktemp -d); for backend in $(NBMAKE_BACKENDS); do \
	  echo "== nbmake, $$backend backend"; \
	  COURSE_RESULTS_DIR=$$results KERAS_BACKEND=$$backend COURSE_PROFILE=smoke \
	    $(PY) -m pytest -p tests.nbmake_stderr -n $(WORKERS) --nbmake --nbmake-timeout=600 notebooks || exit 1; \
	done

## Stream two: the fresh-cache determinism test, then the browser test and the learners' paths.
test-learners: test-determinism
	$(MAKE) test-browser
	$(MAKE) test-paths

## The edit-test loop (about a minute): every test not marked slow, browser or learner_paths. No
## notebook runs, no preset builds, nothing trained beyond a few steps.
test-fast: setup lint
	$(PY) -m pytest -n $(WORKERS) -m 'not slow and not browser and not learner_paths' tests

## ruff's linter and formatter check, configured in pyproject.toml; `make format` applies their fixes.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Smoke presets are bit-identical from a fresh cache, and building them leaves a run's random state alone.
test-determinism: setup
	$(PY) -m pytest -p no:xdist tests/test_determinism.py

## The browser test's system packages: Debian's chromium (Playwright's own browser download cannot
## work offline) and a Hangul font. Installed with apt-get when missing and run as root.
system-packages:
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; \
	  else echo "error: the browser test needs Debian's chromium and fonts-noto-cjk: sudo apt-get install chromium fonts-noto-cjk"; exit 1; fi; }

## The paths learners take beyond the smoke profile: notebook 01 in a Colab stand-in (a fresh
## environment whose first cell clones this repository and installs what Colab lacks), and every
## notebook once in the full profile on stand-in presets and data (tests/standins.py).
test-paths: setup
	$(PY) -m pytest -n $(WORKERS) -m learner_paths tests

## Benchmarks: prints every figure and rewrites BENCHMARKS.md.
bench: prepare
	$(PY) benchmarks/run_all.py

## Every notebook in JupyterLab in Debian's chromium, Run > Run All Cells, jax, smoke profile
## (tests/test_browser.py): fails on a traceback or stderr block, a missing figure, or Korean
## text drawn without a CJK font. Needs `apt-get install chromium fonts-noto-cjk`; one screenshot
## per notebook goes to tests/artifacts/browser/.
test-browser: prepare system-packages
	$(PY) -m pytest -p no:xdist -m browser tests/test_browser.py

## JupyterLab at the repository root (course_utils is importable from the notebooks). `prepare`
## builds the smoke corpus and presets first (minutes on a fresh cache, then instant), so no
## notebook cell sits waiting for them.
lab: prepare
	$(VENV)/bin/jupyter lab --notebook-dir=.

## After editing a notebook or its text form (notebooks/text/NN_name.md, MyST markdown, paired in
## jupytext.toml for reviewable diffs): bring the other up to date; the more recently edited wins.
sync-text: setup
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

clean:
	rm -rf $(VENV) .pytest_cache runs

# ---------------------------------------------------------------------------------------------
# The course's website (tools/build_site.py, site/conf.py; README "The course as a website").

.PHONY: site test-site

## The website in build/site/html, from the six notebooks executed on these sources (smoke, jax,
## through the batch runner, WORKERS at once). The outputs are reused while notebooks/,
## course_utils/, pyproject.toml and the library versions are unchanged; SITE_FORCE=1 re-executes.
## Open it: python -m http.server -d build/site/html 8000 --bind 127.0.0.1
SITE_FORCE ?=
site: prepare
	$(PY) tools/build_site.py --workers $(WORKERS) $(if $(SITE_FORCE),--force)

## The built site in Debian's chromium (tests/test_site.py, marker `browser`): every page offline,
## figures, Hangul font, folded answers, copy buttons, Korean search, LinkChecker; the site's batch
## run checked like nbmake's (stderr, tests/figures.py). Screenshots: tests/artifacts/site/.
test-site: site system-packages
	$(PY) -m pytest -p no:xdist -m browser tests/test_site.py
