"""Data-parallel training on two virtual jax CPU devices: batches split, same figures as one device."""

import json

import pytest
from notebook_run import run_notebook
from watched import run_python

TRAIN = """
import json, numpy as np, course_utils
cfg = course_utils.setup(level=6, backend="jax", profile="smoke", data_parallel={parallel}, verbose=False)
import jax, keras
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 16)).astype("float32")
y = (x[:, :4].sum(axis=1) > 0).astype("int32")
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(2)])
model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=cfg.jit_compile,
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
distribution = keras.distribution.distribution()
sharding = distribution.get_data_layout((32, 16)) if distribution else None
print("RESULT", json.dumps({{
    "devices": len(jax.devices()), "cfg_devices": len(cfg.devices),
    "batch_axes": list(sharding.axes) if sharding else None,
    "loss": history.history["loss"], "accuracy": history.history["accuracy"],
}}))
"""

TWO_DEVICES = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}


def _run(parallel: bool) -> dict:
    result = run_python(TRAIN.format(parallel=parallel), backend="jax", **TWO_DEVICES)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.split("RESULT", 1)[1])


@pytest.mark.slow
def test_data_parallel_splits_batches_over_both_devices_and_trains_the_same():
    single, parallel = _run(False), _run(True)
    assert single["devices"] == parallel["devices"] == 2
    assert single["cfg_devices"] == 0 and single["batch_axes"] is None
    assert parallel["cfg_devices"] == 2 and parallel["batch_axes"][0] == "batch"
    for a, b in zip(single["loss"], parallel["loss"], strict=True):
        assert abs(a - b) < 1e-3 * max(1.0, abs(a))
    assert parallel["loss"][-1] < parallel["loss"][0]


@pytest.mark.slow
def test_data_parallel_on_another_backend_says_what_it_does():
    result = run_python(
        "import course_utils\n"
        "cfg = course_utils.setup(level=6, backend='torch', profile='smoke', data_parallel=True, verbose=False)\n"
        "print('DEVICES', len(cfg.devices))\n",
        backend="torch",
    )
    assert "data_parallel: Keras' distribution API runs on jax only; on torch this run uses one device" in result.stdout
    assert "DEVICES 0" in result.stdout


@pytest.mark.slow
def test_level6_notebook_trains_to_the_same_figures_data_parallel(tmp_path, monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", TWO_DEVICES["XLA_FLAGS"])
    histories = {}
    for parallel in ("0", "1"):
        out = tmp_path / parallel
        out.mkdir()
        monkeypatch.setenv("COURSE_DATA_PARALLEL", parallel)
        histories[parallel] = run_notebook(6, out, backend="jax", profile="smoke", epochs=2, max_examples=320)[
            "history"
        ]  # 16 + 4 even batches an epoch
    for key in ("loss", "val_loss", "val_sparse_categorical_accuracy"):
        for one, two in zip(histories["0"][key], histories["1"][key], strict=True):
            assert abs(one - two) < 1e-3, (key, histories)
