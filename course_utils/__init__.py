"""Runtime, data and presets for the executable KerasNLP getting-started course.

Importing this package never imports keras: call `setup()` first. The helpers that need
keras live in `course_utils.results` (`EpochTimer`, `save_results`, `save_figure`,
`predictions_on`); notebooks import them from there after setup.
"""

from .cache import CacheError
from .config import CourseConfigError
from .data import DataUnavailableError
from .runtime import CourseConfig, setup

__all__ = ["setup", "CourseConfig", "CourseConfigError", "DataUnavailableError", "CacheError"]
