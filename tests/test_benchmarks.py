"""The step-time benchmark measures the course's own settings and reads its figures honestly."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from step_time import verdict  # benchmarks/, on sys.path from conftest

from course_utils.runtime import training_settings


@pytest.mark.parametrize(
    "q1, q3, expected", [(1.05, 1.2, "course faster"), (0.8, 0.95, "guide faster"), (0.97, 1.04, "tie (within noise)")]
)
def test_verdict_follows_the_quartiles(q1, q3, expected):
    assert verdict({"ratio_q1": q1, "ratio_q3": q3}) == expected


def test_training_settings_per_backend_and_device():
    assert training_settings("torch", gpu=False) == (False, "float32")
    assert training_settings("jax", gpu=False) == ("auto", "float32")
    assert training_settings("tensorflow", gpu=True) == ("auto", "mixed_float16")


@pytest.mark.slow
def test_step_time_prints_a_paired_row_with_the_course_settings():
    result = subprocess.run(
        [sys.executable, "benchmarks/step_time.py", "--shape", "smoke", "--levels", "6", "--pairs", "3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (row,) = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert (row["level"], row["pairs"], row["course_policy"]) == (6, 3, "float32")
    assert row["course_s"] > 0 and row["guide_s"] > 0
    assert row["ratio_q1"] <= row["ratio"] <= row["ratio_q3"]
    assert row["verdict"] == verdict(row)
