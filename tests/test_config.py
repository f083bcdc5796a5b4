"""Run parameters: defaults, validation messages, environment versus explicit values."""

import os
import sys
import types

import pytest
from watched import run_python

from course_utils import config
from course_utils.config import (
    ARCHITECTURES,
    DEFAULTS,
    LEVEL_SETTINGS,
    RUN_PARAMETERS,
    CourseConfigError,
    resolve_params,
)


def test_defaults_come_from_the_level_and_profile():
    params = resolve_params(level=5, backend="jax", profile="full")
    level = LEVEL_SETTINGS[5]["full"]
    assert (params.epochs, params.sequence_length) == (level["epochs"], level["sequence_length"])
    assert (params.model_size, params.batch_size, params.seed) == tuple(
        DEFAULTS[name] for name in ("model_size", "batch_size", "seed")
    )
    assert params.max_examples is None
    assert params.level_settings.mask_selection_length == level["mask_selection_length"]
    assert params.level_settings.hidden_dim == ARCHITECTURES["full"][DEFAULTS["model_size"]]["hidden_dim"]


def test_reordering_the_run_parameters_cannot_swap_values(monkeypatch):
    """Values are read by name: no order of RUN_PARAMETERS moves one into another's place."""
    given = dict(epochs=2, batch_size=8, max_examples=40, sequence_length=24, seed=7)
    expected = resolve_params(level=2, backend="jax", **given)
    monkeypatch.setattr(config, "RUN_PARAMETERS", tuple(reversed(RUN_PARAMETERS)))
    swapped = resolve_params(level=2, backend="jax", **given)
    assert swapped == expected
    assert {name: getattr(swapped, name) for name in given} == given


def test_smoke_profile_shrinks_sizes():
    full = resolve_params(level=6, backend="jax", profile="full")
    smoke = resolve_params(level=6, backend="jax", profile="smoke")
    assert smoke.sequence_length < full.sequence_length
    assert smoke.level_settings.vocabulary_size < full.level_settings.vocabulary_size
    assert smoke.level_settings.hidden_dim < full.level_settings.hidden_dim


def test_model_size_changes_the_architecture_in_both_profiles():
    for profile in ("full", "smoke"):
        tiny = resolve_params(level=5, backend="jax", profile=profile, model_size="tiny").level_settings
        base = resolve_params(level=5, backend="jax", profile=profile, model_size="base").level_settings
        assert (base.num_layers, base.hidden_dim) > (tiny.num_layers, tiny.hidden_dim)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (
            {"backend": "pytorch"},
            "backend='pytorch' is not valid (did you mean 'torch'?); choose one of: jax, tensorflow, torch",
        ),
        ({"profile": "Smoke"}, "profile='Smoke' is not valid (did you mean 'smoke'?); choose one of: full, smoke"),
        ({"model_size": "huge"}, "model_size='huge' is not valid; choose one of: tiny, small, medium, base"),
        ({"epochs": 0}, "epochs=0 is out of range"),
        ({"epochs": -2}, "epochs=-2 is out of range"),
        ({"batch_size": 0}, "batch_size=0 is out of range"),
        ({"max_examples": -1}, "max_examples=-1 is out of range"),
        ({"sequence_length": 1024}, "sequence_length=1024 is out of range; give an integer between 8 and 512"),
        ({"epochs": "3"}, "epochs='3' (str) is not valid"),
        ({"batch_size": 16.0}, "batch_size=16.0 (float) is not valid"),
        ({"seed": True}, "seed=True (bool) is not valid"),
    ],
)
def test_bad_values_get_a_one_line_error_naming_value_and_choices(kwargs, fragment):
    with pytest.raises(CourseConfigError) as error:
        resolve_params(level=2, **{"backend": "jax", **kwargs})
    message = str(error.value)
    assert fragment in message
    assert "\n" not in message


def test_level_one_needs_the_tiny_classifier():
    with pytest.raises(CourseConfigError, match="model_size='small' has no pretrained sst2 classifier"):
        resolve_params(level=1, backend="jax", model_size="small")


def test_environment_fills_in_and_explicit_values_win(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setenv("COURSE_PROFILE", "full")
    from_env = resolve_params(level=2)
    assert (from_env.backend, from_env.profile) == ("torch", "full")
    explicit = resolve_params(level=2, backend="tensorflow", profile="smoke")
    assert (explicit.backend, explicit.profile) == ("tensorflow", "smoke")


def test_bad_environment_value_is_reported_too(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(CourseConfigError, match="profile='fast' is not valid"):
        resolve_params(level=2, backend="jax")


@pytest.mark.slow
def test_setup_refuses_a_keras_already_imported_with_another_backend():
    result = run_python(
        "import keras, course_utils\n"
        "try:\n"
        "    course_utils.setup(level=2, backend='torch', verbose=False)\n"
        "except course_utils.CourseConfigError as e:\n"
        "    print('ERR', e)\n",
        backend="jax",
    )
    assert "ERR backend='torch' was asked for but keras is already imported with backend='jax'" in result.stdout, (
        result.stderr
    )


@pytest.mark.slow
def test_setup_sets_backend_and_per_backend_training_settings():
    code = (
        "import course_utils\n"
        "cfg = course_utils.setup(level=2, backend='{b}', profile='smoke', verbose=False)\n"
        "import keras\n"
        "print(keras.backend.backend(), cfg.jit_compile, cfg.mixed_precision, keras.config.dtype_policy().name)\n"
        "import os, sys\n"
        "print('torch threads', sys.modules['torch'].get_num_threads() if 'torch' in sys.modules else None)\n"
    )
    for backend, jit, threads in (("torch", "False", str(max(1, os.cpu_count() // 2))), ("jax", "auto", "None")):
        result = run_python(code.format(b=backend), backend="tensorflow")
        lines = result.stdout.splitlines()
        assert lines[-2].split() == [backend, jit, "False", "float32"], result.stderr[-2000:]
        assert lines[-1] == f"torch threads {threads}"


def test_setup_takes_the_run_parameters_by_name_in_the_parameters_cells_order():
    import inspect

    from course_utils import setup

    assert list(inspect.signature(setup).parameters) == ["level", *RUN_PARAMETERS, "data_parallel", "verbose"]


def test_an_unknown_parameter_name_is_refused_with_the_choices():
    with pytest.raises(CourseConfigError, match=r"parameter 'epoch' is not a run parameter; choose from: backend, "):
        resolve_params(level=2, epoch=3)


def test_profile_none_means_full_on_a_colab_gpu_runtime_only(monkeypatch):
    from course_utils import devices

    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.setattr(devices, "nvidia_gpus", lambda: ["GPU 0: Tesla T4"])
    assert config.pick_default("profile", None) == config.DEFAULTS["profile"], "not Colab: the course default"
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert config.pick_default("profile", None) == "full"
    assert config.pick_default("profile", "smoke") == "smoke", "an explicit value wins"
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    assert config.pick_default("profile", None) == "smoke", "the environment variable wins"
    monkeypatch.delenv("COURSE_PROFILE")
    monkeypatch.setattr(devices, "nvidia_gpus", lambda: [])
    assert config.pick_default("profile", None) == config.DEFAULTS["profile"], "Colab without a GPU: smoke"
