"""`setup()`: the one call at the top of every notebook."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

from . import environment
from .cache import ensure_writable
from .config import (
    LEVEL_SETTINGS,
    VALIDATION_SPLIT,
    CourseConfigError,
    RunParams,
    colab_gpu,
    resolve_params,
)
from .data import imdb_source, make_view
from .presets import resolve_preset
from .quiet import import_tensorflow_quietly, quiet_tensorflow_logs


@dataclass(frozen=True)
class CourseConfig(RunParams):
    """Everything a notebook reads: the run parameters (RunParams' fields: cfg.epochs,
    cfg.level_settings, ...), data folders, presets, training settings."""

    cache_dir: Path
    results_dir: Path
    jit_compile: bool | str
    mixed_precision: bool
    data_root: Path
    devices: list[str]
    data_provenance: str  # where the reviews came from, as reports show it

    @classmethod
    def from_params(cls, params: RunParams, **runtime) -> CourseConfig:
        """The run parameters with what setup() found at run time (cache_dir, results_dir, ...)."""
        return cls(**run_parameters(params), level_settings=params.level_settings, **runtime)

    @property
    def train_dir(self) -> Path:
        return self.data_root / "train"

    @property
    def test_dir(self) -> Path:
        return self.data_root / "test"

    @property
    def reference(self) -> dict:
        """The guide's reported results for this level (its GPU, real IMDB)."""
        return LEVEL_SETTINGS[self.level]["reference"]

    @property
    def validation_split(self) -> float:
        """Share of the training reviews held out for validation (the test split is used once, at the end)."""
        return VALIDATION_SPLIT

    @property
    def synthetic(self) -> bool:
        return self.profile == "smoke"

    @cached_property
    def backbone_preset(self) -> str:
        """`from_preset` argument of the BERT backbone (built on first use in smoke)."""
        return resolve_preset("backbone", self.model_size, self.profile, self.cache_dir)

    @cached_property
    def classifier_preset(self) -> str:
        """`from_preset` argument of the sst2 classifier (built on first use in smoke)."""
        return resolve_preset("classifier", self.model_size, self.profile, self.cache_dir)

    @property
    def verbose(self) -> int | str:
        """`verbose=` for evaluate and predict: Keras' progress bar interactively, one line in batch runs."""
        return 2 if environment.progress_file() else "auto"

    def provenance(self) -> dict:
        """Where this run's data and the presets it has loaded so far came from."""
        presets = {
            kind: preset_provenance(self.__dict__[f"{kind}_preset"], self.cache_dir)
            for kind in ("backbone", "classifier")
            if f"{kind}_preset" in self.__dict__
        }
        return {"data": self.data_provenance, "presets": presets}

    def summary(self) -> str:
        lines = [
            f"level {self.level}: {LEVEL_SETTINGS[self.level]['title']}",
            " ".join(f"{name}={value}" for name, value in run_parameters(self).items() if name != "level"),
            f"jit_compile={self.jit_compile} mixed_precision={self.mixed_precision} "
            f"data_parallel={f'{len(self.devices)} devices' if self.devices else 'off'}",
            f"data: {self.data_root}",
        ]
        if self.profile == "full" and colab_gpu():
            lines.append(
                "profile=full: on Colab with a GPU the course runs the guide as written "
                '(GPU가 있는 Colab에서는 가이드 그대로 실행합니다; 작은 합성 실행은 profile="smoke")'
            )
        if self.synthetic:
            lines.insert(0, "!" * 78)
            lines.insert(1, "SMOKE PROFILE: synthetic reviews and course-built presets. Figures below are NOT")
            lines.insert(
                2, "comparable to the guide's. (스모크 프로필: 합성 데이터의 수치이며 가이드와 비교할 수 없습니다)"
            )
            lines.append("!" * 78)
        return "\n".join(lines)


def preset_provenance(preset: str, cache_dir: Path) -> str:
    """Where a `from_preset` argument comes from: keras-hub (Kaggle), the course's cache, or a local copy."""
    path = Path(preset)
    if not path.is_absolute():
        return f"keras-hub preset {preset} (Kaggle)"
    if path.is_relative_to(Path(cache_dir).absolute() / "presets"):
        return f"built by the course from synthetic data ({path.name})"
    return f"local directory from COURSE_PRESET_DIR, unverified ({path})"


def run_parameters(params: RunParams) -> dict:
    """The run parameters by name, in order, without the level's settings (as results files record them)."""
    return {f.name: getattr(params, f.name) for f in fields(RunParams) if f.name != "level_settings"}


def activate_backend(backend: str) -> None:
    """Set KERAS_BACKEND before keras is imported; refuse if keras already runs on another backend."""
    if "keras" in sys.modules:
        import keras

        current = keras.backend.backend()
        if current != backend:
            raise CourseConfigError(
                f"backend={backend!r} was asked for but keras is already imported with backend={current!r}; "
                "restart the kernel (or the Python process) and run setup() before importing keras"
            )
    os.environ[environment.KERAS_BACKEND] = backend
    quiet_tensorflow_logs()


def gpu_present(backend: str) -> bool:
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def training_settings(backend: str, gpu: bool) -> tuple[bool | str, str]:
    """The course's (jit_compile, dtype policy) for a backend, with or without a GPU."""
    # torch's jit_compile means torch.compile: endless recompiles on these models.
    jit_compile = False if backend == "torch" else "auto"
    # mixed_float16 is slow or unsupported on CPU; the guide's choice where a GPU is present.
    return jit_compile, "mixed_float16" if gpu else "float32"


def torch_cpu_threads(params: RunParams, cores: int) -> int:
    """torch's intra-op threads on a CPU, chosen from benchmarks/torch_threads.py (BENCHMARKS.md).

    Measured on 2 cores, two threads against one, alone and beside a second training process (the
    runner's two workers): keras-hub's `small` BERT steps 1.5-1.6x faster alone and 1.1-1.35x slower
    beside; the tiny one at the guide's shape 1.4-1.5x faster alone and 2.3-2.5x slower beside; the
    smoke model within 35% either way alone and 3.9-4.4x slower beside (the threads wait for cores
    the other process holds). So every core for full-profile backbones from `small` up (level 6 trains
    its own small model), where the gain alone outweighs the loss beside; else half the cores (one on
    2 cores), the faster beside a second process in every case measured. More cores were not measured.
    """
    heavy = params.profile == "full" and params.model_size != "tiny" and params.level != 6
    return cores if heavy else max(1, cores // 2)


def _distribute(backend: str, enabled: bool) -> list[str]:
    """Turn on Keras' data-parallel distribution over all local devices (jax only); return the devices."""
    if not enabled:
        return []
    if backend != "jax":
        print(
            f"data_parallel: Keras' distribution API runs on jax only; on {backend} this run uses "
            "one device (use tf.distribute or torch DistributedDataParallel yourself for more)."
        )
        return []
    import keras

    devices = keras.distribution.list_devices()
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    return devices


# --- jax's persistent compilation cache ------------------------------------------------------------
JAX_CACHE_FOLDER = "jax-compilation"  # under the course's cache directory


def jax_compilation_cache(backend: str, cache_dir: Path) -> Path | None:
    """On jax, keep compiled programs under the course cache, so that a fresh kernel loads what an
    earlier kernel or run compiled instead of compiling it again (benchmarks/notebook_cells.py
    measures it). Every program is kept, however quickly it compiled: the smoke models' are small.
    jax's own JAX_COMPILATION_CACHE_DIR wins; JAX_ENABLE_COMPILATION_CACHE=false turns it off."""
    if backend != "jax" or "JAX_COMPILATION_CACHE_DIR" in os.environ:
        return None
    import jax

    folder = Path(cache_dir) / JAX_CACHE_FOLDER
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return folder


# -----------------------------------------------------------------------------------------------------


def setup(
    level,
    backend=None,
    profile=None,
    model_size=None,
    epochs=None,
    batch_size=None,
    max_examples=None,
    sequence_length=None,
    seed=None,
    data_parallel=None,
    verbose=True,
) -> CourseConfig:
    """Validate the run parameters, pick the backend and its settings, seed, and locate the data.

    `None` means: the environment variable (KERAS_BACKEND, COURSE_PROFILE) if set,
    else the course default. Raises CourseConfigError with a one-line message on bad input.
    `data_parallel=True` (or COURSE_DATA_PARALLEL=1) splits every batch over all local
    accelerators with Keras' DataParallel distribution, on jax; off by default.
    """
    params = resolve_params(
        level,
        backend=backend,
        profile=profile,
        model_size=model_size,
        epochs=epochs,
        batch_size=batch_size,
        max_examples=max_examples,
        sequence_length=sequence_length,
        seed=seed,
    )
    activate_backend(params.backend)
    cache_dir = ensure_writable(environment.cache_dir())
    import_tensorflow_quietly()  # before keras: its native start-up lines are noise in a notebook
    import keras

    jax_compilation_cache(params.backend, cache_dir)
    keras.utils.set_random_seed(params.seed)
    gpu = gpu_present(params.backend)
    jit_compile, policy = training_settings(params.backend, gpu)
    mixed_precision = policy != "float32"
    keras.mixed_precision.set_global_policy(policy)
    if params.backend == "torch" and not gpu:
        import torch

        torch.set_num_threads(torch_cpu_threads(params, os.cpu_count() or 2))
    if data_parallel is None:
        data_parallel = environment.data_parallel()
    if not isinstance(data_parallel, bool):
        raise CourseConfigError(f"data_parallel={data_parallel!r} is not valid; choose one of: True, False")
    devices = _distribute(params.backend, data_parallel)
    source, data_provenance = imdb_source(params.profile, cache_dir, params.seed)
    config = CourseConfig.from_params(
        params,
        cache_dir=cache_dir,
        results_dir=environment.results_dir(),
        jit_compile=jit_compile,
        mixed_precision=mixed_precision,
        data_root=make_view(source, cache_dir, params.max_examples, params.seed),
        devices=devices,
        data_provenance=data_provenance,
    )
    if verbose:
        print(config.summary())
    return config
