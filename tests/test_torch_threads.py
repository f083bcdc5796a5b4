"""torch's CPU threads follow benchmarks/torch_threads.py: every core only where a model gains more alone
than it loses beside a second one."""

import pytest

from course_utils.config import resolve_params
from course_utils.runtime import torch_cpu_threads


@pytest.mark.parametrize(
    "level, profile, model_size, threads",
    [
        (2, "full", "small", 2),
        (4, "full", "base", 2),  # keras-hub's small BERT and up: both cores
        (2, "full", "tiny", 1),
        (3, "smoke", "small", 1),
        (6, "full", "small", 1),  # tiny models: one
    ],
)
def test_two_cores(level, profile, model_size, threads):
    assert (
        torch_cpu_threads(resolve_params(level, backend="torch", profile=profile, model_size=model_size), cores=2)
        == threads
    )


def test_small_models_leave_half_of_more_cores():
    assert torch_cpu_threads(resolve_params(3, backend="torch", profile="smoke", model_size="tiny"), cores=8) == 4
    assert torch_cpu_threads(resolve_params(3, backend="torch", profile="full", model_size="small"), cores=8) == 8
