"""The step-time benchmark measures the course's own settings and reads its figures honestly."""

import json
import sys

import pytest
from step_time import verdict  # benchmarks/, on sys.path from conftest
from watched import run_watched

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
    # It prints its one row at the end: the watch's silence bound is a hang-only bound here (the
    # run takes about a minute on an idle 2-core machine).
    result = run_watched(
        [sys.executable, "benchmarks/step_time.py", "--shape", "smoke", "--levels", "6", "--pairs", "3"]
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (row,) = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert (row["level"], row["pairs"], row["course_policy"]) == (6, 3, "float32")
    assert row["course_s"] > 0 and row["guide_s"] > 0
    assert row["ratio_q1"] <= row["ratio"] <= row["ratio_q3"]
    assert row["verdict"] == verdict(row)
