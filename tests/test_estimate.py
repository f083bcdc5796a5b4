"""The duration estimate printed before a grid: it scales with the work asked, and says what it is."""

from pathlib import Path

import pytest

from course_utils import config
from course_utils.config import resolve_params
from course_utils.estimate import MEASURED_BATCH_SIZE, MEASURED_SEQUENCE_LENGTH, describe, estimate_seconds
from course_utils.runner import Run


def estimate(**parameters):
    return estimate_seconds(resolve_params(**{"level": 2, "backend": "jax", "profile": "full", **parameters}))


def test_estimate_scales_with_epochs_reviews_and_length():
    one, two, three = (estimate(epochs=n) for n in (1, 2, 3))
    assert three - two == pytest.approx(two - one) and two > one
    assert estimate(max_examples=2000) < one / 5
    assert estimate(sequence_length=128) < one / 2
    assert estimate(model_size="small") > 3 * one
    assert estimate(level=6) < estimate(level=4)


def test_sizes_without_a_measured_step_time_get_no_estimate():
    assert estimate(model_size="base") is None
    run = Run(Path("02_lesson.ipynb"), "jax", "base", "full", Path("unused"))
    run.params = resolve_params(2, backend="jax", profile="full", model_size="base")
    text = describe([run], workers=2)
    assert text.startswith("Estimated duration (ROUGH")
    assert "02_lesson-jax-base: no estimate (step time not measured)" in text
    assert "(+ 1 runs not estimated)" in text


def test_step_times_scale_from_the_conditions_they_were_measured_at(monkeypatch):
    """A new course default (batch size, sequence length) must not re-scale the measurements."""
    measured = dict(batch_size=MEASURED_BATCH_SIZE, sequence_length=MEASURED_SEQUENCE_LENGTH["full"])
    before = estimate(**measured)
    monkeypatch.setitem(config.DEFAULTS, "batch_size", 2 * MEASURED_BATCH_SIZE)
    monkeypatch.setitem(config.LEVEL_SETTINGS[2]["full"], "sequence_length", MEASURED_SEQUENCE_LENGTH["full"] // 2)
    assert estimate(**measured) == pytest.approx(before)
