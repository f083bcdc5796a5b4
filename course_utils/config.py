"""Run parameters: defaults, validation and the per-level settings of both profiles.

Everything here is plain Python: importing it never imports keras, so the
backend can still be chosen afterwards.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, fields
from types import SimpleNamespace

from . import environment

BACKENDS = ("jax", "tensorflow", "torch")
PROFILES = ("full", "smoke")
MODEL_SIZES = ("tiny", "small", "medium", "base")
LEVELS = (1, 2, 3, 4, 5, 6)
MAX_SEQUENCE_LENGTH = 512  # BERT's position embedding in every preset
MIN_SEQUENCE_LENGTH = 8

# The one place where the defaults of the run parameters live (epochs and sequence_length: the level's).
DEFAULTS = {
    "backend": "jax",
    "profile": "smoke",
    "model_size": "tiny",
    "batch_size": 16,  # the guide's, in both profiles
    "seed": 42,
}
# Label 0 and 1: IMDB's folder names, in the (alphabetical) order text_dataset_from_directory gives them.
CLASS_NAMES = ("neg", "pos")

# Architecture of each model size: keras-hub's presets in `full`, CPU-small stand-ins in `smoke`.
ARCHITECTURES = {
    "full": {
        "tiny": dict(num_layers=2, hidden_dim=128, num_heads=2, intermediate_dim=512),
        "small": dict(num_layers=4, hidden_dim=512, num_heads=8, intermediate_dim=2048),
        "medium": dict(num_layers=8, hidden_dim=512, num_heads=8, intermediate_dim=2048),
        "base": dict(num_layers=12, hidden_dim=768, num_heads=12, intermediate_dim=3072),
    },
    "smoke": {
        "tiny": dict(num_layers=2, hidden_dim=32, num_heads=2, intermediate_dim=64),
        "small": dict(num_layers=2, hidden_dim=48, num_heads=4, intermediate_dim=96),
        "medium": dict(num_layers=3, hidden_dim=64, num_heads=4, intermediate_dim=128),
        "base": dict(num_layers=4, hidden_dim=64, num_heads=4, intermediate_dim=128),
    },
}

GUIDE_VOCABULARY_SIZE = 30_522  # the WordPiece vocabulary of keras-hub's bert_*_en_uncased presets

# Per level: the guide's settings (`full`), their shrunk twins (`smoke`) and the guide's results.
# Smoke levels 2-4 train 3 epochs, the guide's count at levels 3 and 4 (why that is enough for the
# smoke backbone: presets.BACKBONE_SETTINGS).
LEVEL_SETTINGS = {
    1: {
        "title": "inference with a pretrained classifier",
        "full": dict(epochs=0, sequence_length=512),
        "smoke": dict(epochs=0, sequence_length=64),
        "reference": dict(test_accuracy=0.7835, test_loss=0.463, logits=[-1.54, 1.54]),
    },
    2: {
        "title": "fine-tuning a pretrained backbone",
        "full": dict(epochs=1, sequence_length=512, learning_rate=5e-5),
        "smoke": dict(epochs=3, sequence_length=64, learning_rate=1e-3),
        "reference": dict(val_accuracy=[0.8621], seconds_per_epoch=16, ms_per_step=9),
    },
    3: {
        "title": "fine-tuning with user-controlled preprocessing",
        "full": dict(epochs=3, sequence_length=512, packer_sequence_length=64, learning_rate=5e-5),
        "smoke": dict(epochs=3, sequence_length=64, packer_sequence_length=32, learning_rate=1e-3),
        "reference": dict(val_accuracy=[0.8728, 0.8818, 0.8790], seconds_per_epoch=15, ms_per_step=7),
    },
    4: {
        "title": "a custom model on a frozen backbone",
        "full": dict(epochs=3, sequence_length=512, encoder_heads=2, encoder_intermediate_dim=512, learning_rate=5e-5),
        "smoke": dict(epochs=3, sequence_length=64, encoder_heads=2, encoder_intermediate_dim=64, learning_rate=1e-3),
        "reference": dict(
            val_accuracy=[0.6758, 0.7320, 0.7742],
            trainable_params=396_802,
            total_params=4_782_722,
            seconds_per_epoch=12,
            ms_per_step=8,
        ),
    },
    5: {
        "title": "pretraining a backbone with masked language modelling",
        "full": dict(
            epochs=3, sequence_length=256, mask_selection_rate=0.25, mask_selection_length=64, learning_rate=5e-4
        ),
        "smoke": dict(
            epochs=2, sequence_length=64, mask_selection_rate=0.25, mask_selection_length=16, learning_rate=5e-3
        ),
        "reference": dict(
            val_accuracy=[0.1044, 0.1239, 0.1417], total_params=4_433_210, seconds_per_epoch=13, ms_per_step=8
        ),
    },
    6: {
        "title": "a transformer from scratch with its own WordPiece vocabulary",
        "full": dict(
            epochs=3,
            sequence_length=512,
            vocabulary_size=20_000,
            embedding_dim=64,
            encoder_heads=2,
            encoder_intermediate_dim=128,
            learning_rate=5e-5,
        ),
        "smoke": dict(
            epochs=3,
            sequence_length=64,
            vocabulary_size=250,
            embedding_dim=32,
            encoder_heads=2,
            encoder_intermediate_dim=64,
            learning_rate=5e-3,
        ),
        "reference": dict(
            val_accuracy=[0.8120, 0.8752, 0.8748], total_params=1_293_250, seconds_per_epoch=5, ms_per_step=3
        ),
    },
}

# Share of the training reviews held out for validation: choices (epochs, settings) are made on
# it, and the test split is measured once at the end. (The guide validates on the test split.)
VALIDATION_SPLIT = 0.2
CLASSIFIER_SIZES = ("tiny",)  # sizes with a pretrained sst2 classifier: level 1 runs only at these


class CourseConfigError(ValueError):
    """A run parameter is invalid; the message is one line naming the value and the choices."""


@dataclass(frozen=True)
class RunParams:
    """Validated run parameters, before any side effect."""

    level: int
    backend: str
    profile: str
    model_size: str
    epochs: int
    batch_size: int
    max_examples: int | None
    sequence_length: int
    seed: int
    level_settings: SimpleNamespace  # the level's sizes and hyper-parameters for this profile and model size


# The run parameters, in the order of every notebook's parameters cell; setup() takes them by name.
RUN_PARAMETERS = tuple(f.name for f in fields(RunParams) if f.name not in ("level", "level_settings"))


def _choice(name: str, value, choices) -> str:
    if isinstance(value, str) and value in choices:
        return value
    hint = difflib.get_close_matches(str(value).lower(), choices, n=1)
    if str(value).lower() in ("pytorch", "tf"):
        hint = ["torch" if str(value).lower() == "pytorch" else "tensorflow"]
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise CourseConfigError(f"{name}={value!r} is not valid{suggestion}; choose one of: {', '.join(choices)}")


def _integer(name: str, value, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CourseConfigError(
            f"{name}={value!r} ({type(value).__name__}) is not valid; "
            f"give an integer >= {minimum}" + (f" and <= {maximum}" if maximum else "")
        )
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum else f">= {minimum}"
        raise CourseConfigError(f"{name}={value!r} is out of range; give an integer {bounds}")
    return value


def format_figure(value) -> str:
    """A reported figure as the comparison tables show it (a list as "a / b / c", "-" when missing)."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return " / ".join(format_figure(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1 else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def guide_test_accuracy(reference: dict) -> float | None:
    """The guide's final accuracy on the test split: level 1's evaluation, else its last val_accuracy
    (the guide validated on the test split)."""
    if "test_accuracy" in reference:
        return reference["test_accuracy"]
    values = reference.get("val_accuracy")
    return values[-1] if values else None


def level_runs_at(level: int, model_size: str) -> bool:
    """Whether a level exists at this model size (level 1 needs a pretrained sst2 classifier)."""
    return level != 1 or model_size in CLASSIFIER_SIZES


def colab_gpu() -> bool:
    """Whether this is a Colab runtime with an NVIDIA GPU: there `profile=None` means `full`, so a
    learner who picks a GPU runtime meets the guide itself."""
    if "google.colab" not in sys.modules:
        return False
    from .devices import nvidia_gpus  # devices imports this module

    return bool(nvidia_gpus())


def pick_default(name: str, explicit):
    """Explicit value (papermill, a learner's edit) > environment variable > the runtime's default
    (`full` on Colab with a GPU) > course default."""
    if explicit is not None:
        return explicit
    if environment.parameter(name):
        return environment.parameter(name)
    if name == "profile" and colab_gpu():
        return "full"
    return DEFAULTS[name]


def resolve_params(level, **given) -> RunParams:
    """Fill in defaults and validate every run parameter (RUN_PARAMETERS, by name; None or absent
    means the default); raise CourseConfigError on the first bad one."""
    unknown = [name for name in given if name not in RUN_PARAMETERS]
    if unknown:
        raise CourseConfigError(
            f"parameter {unknown[0]!r} is not a run parameter; choose from: {', '.join(RUN_PARAMETERS)}"
        )
    level = _integer("level", level, 1, len(LEVELS))
    backend = _choice("backend", pick_default("backend", given.get("backend")), BACKENDS)
    profile = _choice("profile", pick_default("profile", given.get("profile")), PROFILES)
    model_size = _choice("model_size", pick_default("model_size", given.get("model_size")), MODEL_SIZES)
    if not level_runs_at(level, model_size):
        raise CourseConfigError(
            f"model_size={model_size!r} has no pretrained sst2 classifier; level 1 needs model_size="
            + " or ".join(map(repr, CLASSIFIER_SIZES))
        )
    defaults = LEVEL_SETTINGS[level][profile]
    epochs = given.get("epochs")
    if epochs is None:
        epochs = defaults["epochs"]
    elif level == 1:
        _integer("epochs", epochs, 0)
        epochs = 0  # level 1 does not train
    else:
        epochs = _integer("epochs", epochs, 1)
    batch_size = _integer("batch_size", pick_default("batch_size", given.get("batch_size")), 1)
    max_examples = given.get("max_examples")
    if max_examples is not None:
        max_examples = _integer("max_examples", max_examples, 2)
    sequence_length = given.get("sequence_length")
    sequence_length = _integer(
        "sequence_length",
        defaults["sequence_length"] if sequence_length is None else sequence_length,
        MIN_SEQUENCE_LENGTH,
        MAX_SEQUENCE_LENGTH,
    )
    seed = _integer("seed", pick_default("seed", given.get("seed")), 0)
    settings = {k: v for k, v in defaults.items() if k not in ("epochs", "sequence_length")}
    if "packer_sequence_length" in settings:
        settings["packer_sequence_length"] = min(settings["packer_sequence_length"], sequence_length)
    if "mask_selection_length" in settings:
        settings["mask_selection_length"] = min(settings["mask_selection_length"], sequence_length // 4)
    settings.update(ARCHITECTURES[profile][model_size])
    return RunParams(
        level=level,
        backend=backend,
        profile=profile,
        model_size=model_size,
        epochs=epochs,
        batch_size=batch_size,
        max_examples=max_examples,
        sequence_length=sequence_length,
        seed=seed,
        level_settings=SimpleNamespace(**settings),
    )
