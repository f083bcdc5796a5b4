"""Runtime, data and presets for the executable KerasNLP getting-started course.

Importing this package never imports keras: call `setup()` first. The names that
need keras (`EpochTimer`, `save_results`, `save_figure`, `predictions_on`) are loaded on first use, after setup.
"""

from .cache import CacheError
from .config import CourseConfigError
from .data import DataUnavailableError
from .runtime import CourseConfig, setup

__all__ = ["setup", "CourseConfig", "CourseConfigError", "DataUnavailableError", "CacheError",
           "EpochTimer", "save_results", "save_figure", "predictions_on"]


def __getattr__(name):
    if name in ("EpochTimer", "save_results", "save_figure", "predictions_on"):
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
