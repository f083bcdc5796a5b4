# The course's commands. `make setup` is implied by every target that needs the venv.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
PYTEST  = $(PY) -m pytest
# pytest-xdist workers.
WORKERS ?= 2
## `make run ARGS="--profile full --epochs 1"`: any options of `python -m course_utils run --help`.
ARGS ?=
# Each backend runs the six as committed once in `make test`: torch here, tensorflow in the browser
# test, jax in the site's batch run (`make test-site`).
NBMAKE_BACKENDS = torch
COMMA := ,
# Corpora and presets live in the course's cache (COURSE_CACHE_DIR, default ~/.cache/kerasnlp-course),
# shared by every target and every clone on the machine: entries are keyed by their whole recipe
# (settings, builder source, library versions), so a clone never reuses one it would build otherwise.

.PHONY: setup setup-dev prepare run lab sync-text lint format bench clean \
	test test-fast test-unit test-notebooks-as-committed test-determinism test-browser test-learner-paths \
	.test-stream-notebooks .test-stream-learners .browser-packages

## GPU=1 (NVIDIA, Linux) adds the `gpu` extra: jax[cuda12] and tensorflow[and-cuda].
GPU ?=
EXTRAS = $(if $(GPU),$(COMMA)gpu)
INSTALLED = $(VENV)/.installed$(if $(GPU),-gpu)

## What `make run` and `make lab` need: the course and JupyterLab (the `lab` extra).
setup: $(INSTALLED)

# A fresh venv grows to 4.3 GB (4.8 GB at the peak of pip's install, measured); on a full disk pip
# would fail halfway with "No space left on device", so the first install checks the room first.
SETUP_GB = 6

$(INSTALLED): pyproject.toml
	@[ -d $(VENV) ] || df -Pk $(dir $(abspath $(VENV))) | awk -v need=$(SETUP_GB) 'NR == 2 && $$4 < need * 1048576 { \
	  printf "error: make setup needs about %d GB free for $(VENV); %s has %.1f GB free\n", need, $$6, $$4 / 1048576; exit 1 }' >&2
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[lab$(EXTRAS)]'
	$(PY) -m course_utils devices
	touch $@

## Adds the tools of the tests, the linter, the website and the benchmarks (the `dev` extra).
setup-dev: $(INSTALLED)-dev

$(INSTALLED)-dev: $(INSTALLED)
	$(PY) -m pip install -q -e '.[dev$(EXTRAS)]'
	touch $@

## Build the offline corpus and presets and print where they are.
prepare: setup
	$(PY) -m course_utils prepare

## The course's main job: run the notebooks through papermill and write a report under runs/.
## The smoke corpus and presets are built first, unless the full profile is asked for (it never uses them).
run: setup $(if $(findstring full,$(ARGS) $(COURSE_PROFILE)),,prepare)
	$(PY) -m course_utils run $(ARGS)

## JupyterLab at the repository root (course_utils is importable from the notebooks). `prepare`
## builds the smoke corpus and presets first (about half a minute on a fresh cache of an idle 2-core
## machine, several minutes on a slow or busy one, then instant), so no
## notebook cell sits waiting for them.
lab: prepare
	$(VENV)/bin/jupyter lab --notebook-dir=.

## After editing a notebook or its text form (notebooks/text/NN_name.md, MyST markdown, paired in
## jupytext.toml for reviewable diffs): bring the other up to date; the more recently edited wins.
sync-text: setup-dev
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

## ruff's linter and formatter check, configured in pyproject.toml; `make format` applies their fixes.
lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## The edit-test loop (20 to 60 s on 2 cores, by load): lint, then every test not marked slow, browser or
## learner_paths. No kernel starts, no notebook runs, no preset builds.
test-fast: setup-dev lint
	$(PYTEST) -n $(WORKERS) -m 'not slow and not browser and not learner_paths' tests

## The whole suite, as CI runs it (README, Tests): lint, then two streams side by side, one a core;
## their lines interleave. Run the test-* targets below one by one for a readable log.
test: setup-dev lint
	$(MAKE) -j2 --output-sync=line .test-stream-notebooks .test-stream-learners

# Each stream runs its targets one after another (`prepare` again in each: under a second once built).
# The determinism test builds the smoke presets in a fresh cache, single-threaded, beside `prepare`'s.
.test-stream-notebooks: setup-dev
	$(MAKE) test-unit
	$(MAKE) test-notebooks-as-committed
	$(MAKE) test-site

.test-stream-learners: setup-dev
	$(MAKE) test-determinism
	$(MAKE) test-browser
	$(MAKE) test-learner-paths

## Every pytest test but the browser, learner-path and determinism ones: the fast tests, then the
## slow ones (papermill runs with parameters, the runner's grids, Ctrl-C, data-parallel training).
test-unit: setup-dev prepare
	$(PYTEST) -n $(WORKERS) -m 'not browser and not learner_paths' --ignore=tests/test_determinism.py --durations=10 tests

## The six notebooks as committed (smoke) under nbmake, on each backend in NBMAKE_BACKENDS. Each fails
## on an error, on any stderr output, and on figures that miss tests/figures.py (tests/nbmake_stderr.py).
test-notebooks-as-committed: setup-dev prepare
	results=$$(mktemp -d); for backend in $(NBMAKE_BACKENDS); do \
	  echo "== nbmake, $$backend backend"; \
	  COURSE_RESULTS_DIR=$$results KERAS_BACKEND=$$backend COURSE_PROFILE=smoke \
	    $(PYTEST) -p tests.nbmake_stderr -n $(WORKERS) --nbmake --nbmake-timeout=600 notebooks || exit 1; \
	done

## Smoke presets are bit-identical from a fresh cache, and building them leaves a run's random state alone.
test-determinism: setup-dev
	$(PYTEST) -p no:xdist tests/test_determinism.py

## Every notebook in JupyterLab in Debian's chromium, Run > Run All Cells, tensorflow, smoke profile
## (tests/test_browser.py). Needs `apt-get install chromium fonts-noto-cjk` (.ci/run installs them
## as root); one screenshot per notebook goes to tests/artifacts/browser/.
test-browser: setup-dev prepare .browser-packages
	$(PYTEST) -p no:xdist -m browser tests/test_browser.py

## The paths learners take beyond the smoke profile: notebook 01 in a Colab stand-in, and every
## notebook once in the full profile on stand-in presets and data (tests/standins.py).
test-learner-paths: setup-dev
	$(PYTEST) -n $(WORKERS) -m learner_paths tests

# Debian's chromium (Playwright's own browser download cannot work offline) and a Hangul font.
.browser-packages:
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { \
	  echo "error: the browser tests need Debian's chromium and fonts-noto-cjk: sudo apt-get install chromium fonts-noto-cjk"; exit 1; }

## Benchmarks: prints every figure and rewrites BENCHMARKS.md.
bench: setup-dev prepare
	$(PY) benchmarks/run_all.py

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
site: setup-dev prepare
	$(PY) tools/build_site.py --workers $(WORKERS) $(if $(SITE_FORCE),--force)

## The built site in Debian's chromium (tests/test_site.py, marker `browser`): every page offline,
## figures, Hangul font, folded answers, copy buttons, Korean search, LinkChecker; the site's batch
## run checked like nbmake's (stderr, tests/figures.py). Screenshots: tests/artifacts/site/.
test-site: site .browser-packages
	$(PY) -m pytest -p no:xdist -m browser tests/test_site.py
