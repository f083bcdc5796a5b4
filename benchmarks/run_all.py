"""Run every benchmark, print the figures and write BENCHMARKS.md (the command that made them included).

make bench            # or: .venv/bin/python benchmarks/run_all.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import notebook_cells  # benchmarks/ is on sys.path when this file runs
import preset_build
import torch_threads

from course_utils.config import BACKENDS, LEVEL_SETTINGS
from course_utils.environment import KERAS_BACKEND
from course_utils.layout import ROOT

# The guide's ms per step, levels 2 to 6 (its GPU): "9 / 7 / 8 / 8 / 3".
GUIDE_MS_PER_STEP = " / ".join(str(LEVEL_SETTINGS[level]["reference"]["ms_per_step"]) for level in range(2, 7))
# The second job beside the cold builds: `make test-fast`'s tests, in a loop.
FAST_TESTS = ".venv/bin/python -m pytest -q -n 2 -m 'not slow and not browser and not learner_paths' tests"


def _json_lines(command: list[str], backend: str = "jax", timeout: int = 3600) -> list[dict]:
    env = {**os.environ, KERAS_BACKEND: backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    if result.returncode:
        print(result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"benchmark failed: {' '.join(command)}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    python = sys.executable
    sections = [
        f"# Benchmarks\n\nMade by `make bench` (`{Path(python).name} benchmarks/run_all.py`) on "
        f"{datetime.now():%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} CPU cores. "
        "CPU figures are ratios measured in one run; absolute times belong to a GPU.\n"
    ]

    rows = []
    for backend in BACKENDS:
        for args in (
            ["--shape", "smoke", "--pairs", "10"],
            ["--shape", "guide", "--pairs", "8"],
            ["--shape", "guide", "--levels", "5", "--sequence", "256", "--pairs", "8"],
        ):
            rows += _json_lines([python, "benchmarks/step_time.py", *args], backend)
            print(f"step times done: {backend} {' '.join(args)}", flush=True)
    slower = [r for r in rows if r["verdict"] == "guide faster"]
    table = [
        "## Seconds per training step: course settings against the guide's literal ones",
        "",
        'Guide\'s literal settings: `jit_compile=True` and `mixed_float16`. Course: `jit_compile="auto"` '
        "(False on torch) and float32 on CPU (`course_utils.runtime.training_settings`). Both models live in "
        "one process and their steps alternate (course, guide, guide, course, ...) after two warm-up steps "
        "each (so `torch.compile`'s compilation is not counted against the guide); the ratio is the median "
        "of the per-pair ratios guide / course, with its quartiles. A tie means the quartiles straddle 1. "
        "Levels 2 and 3 train the same model. The guide's level 5 runs at sequence 256, so it has a row "
        "of its own beside the common 512.",
        "",
        "| backend | shape | level | course s/step | guide s/step | guide / course (quartiles) | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    table += [
        f"| {r['backend']} | {r['shape']} | {r['level']} | {r['course_s']:.4f} | {r['guide_s']:.4f} | "
        f"{r['ratio']:.2f} ({r['ratio_q1']:.2f}-{r['ratio_q3']:.2f}) | {r['verdict']} |"
        for r in rows
    ]
    table += ["", f"Rows where the guide's settings are faster: {len(slower)} of {len(rows)}."]
    if slower:
        print(f"WARNING: the guide's settings are faster in {len(slower)} rows: {slower}", flush=True)
    sections.append("\n".join(table) + "\n")

    pre = _json_lines([python, "benchmarks/preprocessing.py"])[0]
    sections.append(
        "## Preprocessing throughput (tokenize + pack to 512)\n\n"
        f"{pre['reviews']} synthetic reviews of {pre['mean_words']} words on average, smoke vocabulary.\n\n"
        "| pipeline | reviews/s |\n|---|---|\n"
        f"| course tf.data (`BertTextClassifierPreprocessor` mapped, AUTOTUNE) | {pre['course_tf_data_per_s']:.0f} |\n"
        f"| Hugging Face `tokenizers` `encode_batch` | {pre['hf_tokenizers_per_s']:.0f} |\n"
        f"| ratio course / HF | {pre['ratio_course_over_hf']:.2f} |\n"
    )
    print("preprocessing done", flush=True)

    builds = _json_lines([python, "benchmarks/preset_build.py"], timeout=7200)
    builds += _json_lines([python, "benchmarks/preset_build.py", "--beside", FAST_TESTS], timeout=7200)
    sections.append(preset_build.markdown(builds))
    print("preset builds done", flush=True)

    cells = _json_lines(
        [python, "benchmarks/notebook_cells.py", "notebooks/02_finetune_pretrained_backbone.ipynb"]
        + ["--backends", *BACKENDS],
        timeout=7200,
    )
    sections.append(notebook_cells.markdown(cells))
    print("notebook cells done", flush=True)

    threads = []
    for shape, steps in (
        ("smoke", ["--steps", "30"]),
        ("guide", ["--steps", "6"]),
        ("guide-small", ["--steps", "3", "--rounds", "1"]),
    ):
        for pair in ([], ["--pair"]):  # alone, then beside a copy (the runner's two workers)
            command = [python, "benchmarks/torch_threads.py", "--shape", shape, *steps, *pair]
            threads += _json_lines(command, "torch", timeout=7200)
    sections.append(
        torch_threads.markdown(threads) + "\nThe course's choice from these figures: "
        "`course_utils.runtime.torch_cpu_threads`.\n"
    )
    print("torch threads done", flush=True)

    suite = _json_lines([python, "benchmarks/suite.py"])[0]
    sections.append(
        "## Notebook suite wall time (six notebooks, smoke, jax)\n\n"
        "| workers | seconds | runs ok |\n|---|---|---|\n"
        f"| 1 | {suite['workers_1_seconds']:.0f} | {suite['workers_1_ok']}/6 |\n"
        f"| 2 | {suite['workers_2_seconds']:.0f} | {suite['workers_2_ok']}/6 |\n\n"
        f"Speed-up of two workers over one: {suite['speedup_parallel_over_serial']:.2f}x.\n"
    )

    if any(r["gpu"] for r in rows):
        lines = [
            "## GPU: milliseconds per step at the guide's shape (course settings)",
            "",
            "| backend | level | sequence | ms/step |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['backend']} | {r['level']} | {r['sequence']} | {1000 * r['course_s']:.1f} |"
            for r in rows
            if r["shape"].startswith("guide")
        ]
        sections.append("\n".join(lines) + f"\n\nThe guide reports {GUIDE_MS_PER_STEP} ms for levels 2 to 6.\n")
    else:
        sections.append(
            "## GPU figures\n\nNot measured: no GPU was available to this run "
            f"(the guide reports {GUIDE_MS_PER_STEP} ms per step for levels 2 to 6).\n"
        )

    text = "\n".join(sections)
    (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
