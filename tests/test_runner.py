"""The batch runner and its command line: planning and validation, failures, timeouts and Ctrl-C,
options passed through to the notebooks.

Failure paths use small stand-in notebooks (plain Python, no keras) named like a level, so they run
in seconds; the grid and Ctrl-C tests run the course's own notebooks, smoke-sized.
"""

import csv
import os
import signal
import subprocess
import sys
import time

import nbformat
import psutil
import pytest
from conftest import ROOT
from watched import SILENCE_SECONDS, run_python, stop_tree, watch

from course_utils.__main__ import build_parser, main, notebook_parameters
from course_utils.config import DEFAULTS, CourseConfigError
from course_utils.layout import NOTEBOOK_DIR
from course_utils.runner import DEFAULT_TIMEOUT, DEFAULT_WORKERS, plan, run_grid

LEVEL1 = NOTEBOOK_DIR / "01_inference_pretrained_classifier.ipynb"
LEVEL6 = NOTEBOOK_DIR / "06_transformer_from_scratch.ipynb"
PARAMETERS_CELL = "backend = None\nprofile = None\nmodel_size = None"


def stand_in(path, *code_cells):
    """A level-named notebook: a title, a parameters cell, then `code_cells` with markdown between them."""
    cells = [
        nbformat.v4.new_markdown_cell("# stand-in"),
        nbformat.v4.new_code_cell(PARAMETERS_CELL, metadata={"tags": ["parameters"]}),
    ]
    for source in code_cells:
        cells += [nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell(source)]
    notebook = nbformat.v4.new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    )
    nbformat.write(notebook, path)
    return path


def rows(root):
    with open(root / "summary.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def grid(notebooks, backends, root, parameters=None, **options):
    """Plan smoke runs at the default size under root, and run them; return (root, runs)."""
    runs = plan(notebooks, backends, [DEFAULTS["model_size"]], "smoke", root, parameters)
    return root, run_grid(runs, root, **options)


def test_plan_skips_level1_at_sizes_without_a_classifier(tmp_path):
    runs = plan([LEVEL1, LEVEL6], ["jax", "torch"], ["tiny", "small"], "smoke", tmp_path)
    assert sorted(r.name for r in runs) == sorted(
        [
            f"{LEVEL1.stem}-jax-tiny",
            f"{LEVEL1.stem}-torch-tiny",
            f"{LEVEL6.stem}-jax-tiny",
            f"{LEVEL6.stem}-jax-small",
            f"{LEVEL6.stem}-torch-tiny",
            f"{LEVEL6.stem}-torch-small",
        ]
    )
    assert all(r.params.level == r.level for r in runs)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"epochs": 0}, "epochs=0 is out of range"),
        ({"sequence_length": 1024}, "sequence_length=1024 is out of range"),
        ({"max_examples": "many"}, "max_examples='many' (str) is not valid"),
        ({"learning_rate": 0.1}, "parameter 'learning_rate' is not a notebook parameter; choose from: epochs"),
        ({"backend": "jax"}, "parameter 'backend' is set by the grid"),
    ],
)
def test_plan_refuses_bad_parameters_before_anything_runs(tmp_path, parameters, message):
    with pytest.raises(CourseConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan([LEVEL1, LEVEL6], ["jax"], ["tiny"], "smoke", tmp_path / "run", parameters)
    assert not (tmp_path / "run").exists()


def test_plan_refuses_a_notebook_not_named_like_a_lesson(tmp_path):
    with pytest.raises(CourseConfigError, match="scratch.ipynb is not a lesson notebook"):
        plan([tmp_path / "scratch.ipynb"], ["jax"], ["tiny"], "smoke", tmp_path)


def test_command_line_options_become_the_notebooks_parameters():
    args = build_parser().parse_args(
        ["run", "--max-examples", "60", "--epochs", "1", "--sequence-length", "24", "--seed", "7"]
        + ["--param", "batch_size=8"]
    )
    assert notebook_parameters(args) == dict(max_examples=60, epochs=1, sequence_length=24, seed=7, batch_size=8)


def test_command_line_defaults_are_the_course_defaults(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    args = build_parser().parse_args(["run"])
    assert (args.profile, args.backends, args.sizes) == (
        DEFAULTS["profile"],
        [DEFAULTS["backend"]],
        [DEFAULTS["model_size"]],
    )
    assert (args.workers, args.timeout) == (DEFAULT_WORKERS, DEFAULT_TIMEOUT)


def test_command_line_refuses_a_grid_parameter_and_names_its_option(capsys):
    assert main(["run", "--param", "backend=jax", "--estimate-only"]) == 2
    assert "parameter 'backend' is set by the grid; use --backends instead" in capsys.readouterr().err


def test_command_line_estimate_only_plans_and_stops(tmp_path, capsys):
    assert (
        main(["run", "--notebooks", str(LEVEL6), "--epochs", "1", "--out", str(tmp_path / "run"), "--estimate-only"])
        == 0
    )
    assert f"{LEVEL6.stem}-jax-tiny: " in capsys.readouterr().out
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_failing_run_names_the_cell_as_the_learner_sees_it(tmp_path):
    notebook = stand_in(tmp_path / "06_stand_in.ipynb", "ratio = 1", "# a comment line\nratio = 1 / 0")
    root, runs = grid([notebook], ["jax"], tmp_path / "run")
    # In [1] parameters, In [2] papermill's injected parameters, In [3] ratio = 1, In [4] fails.
    assert runs[0].status == "failed"
    assert runs[0].error == "In [4] `# a comment line`: ZeroDivisionError: division by zero"
    assert (runs[0].directory / notebook.name).is_file()
    assert rows(root)[0]["error"] == runs[0].error
    assert "0 of 1 runs ok (1 failed)" in (root / "summary.md").read_text()


@pytest.mark.slow
def test_timeout_keeps_the_partial_output_and_leaves_no_kernel(tmp_path):
    """Stopped in the cell that hangs: what came before it is kept, the cell after it never ran.

    No bound on the test's own time (a loaded machine takes longer to start and stop a kernel): the
    stop shows in what ran, and without it the hanging cell would end after 600 s and the run be ok."""
    notebook = stand_in(
        tmp_path / "06_stand_in.ipynb",
        "import os, time\nprint('kernel', os.getpid(), flush=True)",
        "time.sleep(600)",
        "print('after the hang', flush=True)",
    )
    # 25 s reaches the hang about seven times over on an idle 2-core machine; a machine too busy to
    # start the kernel and reach it in that time gets a longer timeout rather than a failure.
    for timeout in (25, 100, 400):
        root, runs = grid([notebook], ["jax"], tmp_path / f"run-{timeout}", timeout=timeout)
        run = runs[0]
        saved = run.directory / notebook.name  # papermill writes it at the start and after every cell
        cells = nbformat.read(saved, as_version=4).cells if saved.is_file() else []
        texts = ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])]
        if run.status != "timeout" or "In [4]" in run.error:  # else it timed out before the hang
            break
    assert run.status == "timeout"
    assert run.error == f"no result after {timeout} s, in In [4] `time.sleep(600)`"
    printed = [text for text in texts if "kernel " in text]
    kernel_pid = int(printed[0].split()[1])  # the output before the hang was kept
    assert not any("after the hang" in text for text in texts), texts  # stopped in the hang, not after it
    assert not psutil.pid_exists(kernel_pid) or psutil.Process(kernel_pid).status() == psutil.STATUS_ZOMBIE
    assert (run.directory / "papermill.log").is_file()
    assert rows(root)[0]["status"] == "timeout"


def test_grid_passes_its_parameters_to_each_notebook_and_keeps_it(tmp_path):
    """The runner's side of a grid, on a stand-in. The course's six notebooks run through the runner
    when the site is built: test_site's `test_site_run_is_a_full_grid_with_its_report` checks that report."""
    notebook = stand_in(tmp_path / "06_stand_in.ipynb", "print('GOT', backend, epochs, max_examples)")
    root, runs = grid([notebook], ["jax", "torch"], tmp_path / "run", {"epochs": 2, "max_examples": 80}, workers=2)
    assert [r.status for r in runs] == ["ok", "ok"], [r.error for r in runs]
    for run in runs:
        executed = nbformat.read(run.directory / run.notebook.name, as_version=4)
        outputs = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
        assert f"GOT {run.backend} 2 80" in outputs, outputs
    assert [(row["backend"], row["status"]) for row in rows(root)] == [("jax", "ok"), ("torch", "ok")]
    assert "2 of 2 runs ok" in (root / "summary.md").read_text()


def _descendants(pid: int) -> dict[int, psutil.Process]:
    try:
        return {p.pid: p for p in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return {}


def _is_kernel(process: psutil.Process) -> bool:
    try:
        return "ipykernel" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.mark.slow
def test_ctrl_c_stops_the_grid_and_still_writes_the_report(tmp_path):
    """Ctrl-C while the first of two notebooks runs (one worker): the second never starts."""
    command = [
        sys.executable,
        "-m",
        "course_utils",
        "run",
        "--notebooks",
        str(LEVEL6),
        str(LEVEL1),
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    ]
    cli = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # its own group, as a terminal's foreground job
    try:
        # Until a kernel runs: bounded only against a hang (SILENCE_SECONDS; a start takes seconds).
        started, seen = time.monotonic(), {}
        while not any(map(_is_kernel, seen.values())):
            assert cli.poll() is None, f"the runner ended (exit {cli.returncode}) before a kernel started"
            assert time.monotonic() - started < SILENCE_SECONDS, f"no kernel started in {SILENCE_SECONDS} s (a hang)"
            seen.update(_descendants(cli.pid))
            time.sleep(0.5)
        time.sleep(8)  # let the kernel get into the notebook (the statuses below hold either way)
        seen.update(_descendants(cli.pid))
        os.killpg(cli.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    except BaseException:
        stop_tree(cli)
        raise
    stopped = watch(cli)  # however long the stop and the report take on a busy machine
    stdout, stderr = stopped.stdout, stopped.stderr
    assert cli.returncode == 130, stderr[-2000:]
    first, second = sorted(rows(tmp_path), key=lambda r: r["level"], reverse=True)
    assert (first["level"], first["status"]) == ("6", "interrupted")
    assert first["error"].startswith("stopped after ")
    assert (second["level"], second["status"], second["error"]) == ("1", "interrupted", "stopped before it started")
    assert not (tmp_path / f"{LEVEL1.stem}-jax-tiny").exists()
    assert "Interrupted by SIGINT" in (tmp_path / "summary.md").read_text()
    assert f"0 of 2 runs ok. Report: {tmp_path / 'summary.md'}" in stdout
    assert [p for p in seen.values() if _alive(p)] == []


@pytest.mark.slow
def test_command_line_timeout_is_honoured_and_exits_non_zero(tmp_path):
    result = run_python(
        "import sys; from course_utils.__main__ import main\n"
        f"sys.exit(main(['run', '--notebooks', {str(LEVEL6)!r}, '--out', {str(tmp_path)!r}, '--timeout', '1']))\n"
    )
    assert result.returncode == 1
    assert "NOT OK" in result.stderr and "timeout: no result after 1 s" in result.stderr
    assert "Estimated duration (ROUGH" in result.stdout
    assert f"0 of 1 runs ok. Report: {tmp_path / 'summary.md'}" in result.stdout
    assert "timeout 1 s per notebook" in (tmp_path / "summary.md").read_text()


@pytest.mark.slow
def test_parallel_stress_run_repeated_has_no_kernel_start_races(tmp_path):
    """Three kernels start at once, one per backend, twice: each loads its backend through setup()."""
    notebook = stand_in(
        tmp_path / "01_stand_in.ipynb",
        "import course_utils\n"
        "cfg = course_utils.setup(level=1, backend=backend, profile=profile, model_size=model_size, verbose=False)\n"
        "import keras\n"
        "assert keras.backend.backend() == backend",
    )
    for attempt in range(2):
        _, runs = grid([notebook], ["jax", "tensorflow", "torch"], tmp_path / f"attempt{attempt}", workers=3)
        assert [r.status for r in runs] == ["ok"] * 3, [r.error for r in runs]
