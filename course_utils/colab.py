"""Colab install: add what the course needs and keep Colab's own accelerator builds.

The notebooks' first cell clones the repository and calls `install(course_dir)`. Colab
comes with GPU builds of tensorflow, jax and torch; the course adds keras, keras-hub,
keras-nlp and the rest of pyproject.toml's dependencies, with tensorflow-text matched to
Colab's tensorflow, and pins what Colab already has so that pip cannot replace it.
Messages are in Korean, for the learner.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

# Colab supplies these: the course never installs its own pins of them there.
ACCELERATOR_PACKAGES = ("tensorflow", "jax", "torch")
# Pinned at Colab's installed versions while the course installs (when present).
KEEP_AS_INSTALLED = (
    "jax",
    "jaxlib",
    "jax-cuda12-plugin",
    "jax-cuda12-pjrt",
    "jax-cuda13-plugin",
    "jax-cuda13-pjrt",
    "torch",
    "torchvision",
    "torchaudio",
    "numpy",
)
# keras-hub 0.32 needs tensorflow-text >= 2.20.1, which needs tensorflow 2.20 or newer.
MIN_TENSORFLOW = Version("2.20")
TENSORFLOW_PAIR = ("tensorflow", "tensorflow-text")  # pyproject.toml pins the tested pair


class ColabSetupError(RuntimeError):
    """The Colab install cannot go on; the message (Korean) says what to do."""


@dataclass
class Plan:
    requirements: list[str]  # given to pip install
    constraints: list[str]  # name==version of what stays as Colab installed it
    notes: list[str]  # Korean lines to print before installing


def installed_versions(names) -> dict[str, str]:
    """{name: version} of the installed distributions among `names`."""
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def _dependencies(pyproject: Path) -> list[str]:
    return tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]["dependencies"]


def course_requirements(pyproject: Path) -> list[str]:
    """pyproject.toml's dependencies without the accelerator stack (tensorflow-text is matched later)."""
    skip = {*ACCELERATOR_PACKAGES, *TENSORFLOW_PAIR}
    return [dep for dep in _dependencies(pyproject) if Requirement(dep).name not in skip]


def tested_tensorflow(pyproject: Path) -> list[str]:
    """pyproject.toml's pins of tensorflow and tensorflow-text (`name==version`), in that order: the
    tested pair, installed only when Colab's tensorflow is older than MIN_TENSORFLOW."""
    pins = {Requirement(dep).name: dep for dep in _dependencies(pyproject)}
    return [pins[name] for name in TENSORFLOW_PAIR]


def plan(course: list[str], installed: dict[str, str], tested: list[str]) -> Plan:
    """What to install given Colab's installed versions and the tested tensorflow pair (`tested_tensorflow`);
    a pure function, tested without Colab."""
    constraints = [f"{name}=={installed[name]}" for name in KEEP_AS_INSTALLED if name in installed]
    tensorflow = installed.get("tensorflow")
    if tensorflow is not None and Version(tensorflow) >= MIN_TENSORFLOW:
        major_minor = ".".join(tensorflow.split(".")[:2])
        constraints.insert(0, f"tensorflow=={tensorflow}")
        return Plan(
            course + [f"tensorflow-text=={major_minor}.*"],
            constraints,
            [
                f"Colab의 tensorflow {tensorflow}을(를) 그대로 쓰고, "
                f"버전이 맞는 tensorflow-text {major_minor}.x를 더합니다."
            ],
        )
    reason = (
        f"Colab의 tensorflow {tensorflow}은(는) keras-hub 0.32가 요구하는 tensorflow-text 2.20.1 이상과 맞지 않으므로"
        if tensorflow
        else "Colab에 tensorflow가 없으므로"
    )
    tested_tf, tested_text = (next(iter(Requirement(pin).specifier)).version for pin in tested)
    note = (
        f"{reason} 강좌가 검증한 tensorflow {tested_tf}과 tensorflow-text {tested_text}을 "
        "설치합니다. jax와 torch는 Colab의 것을 그대로 둡니다."
    )
    return Plan(course + list(tested), constraints, [note])


def problems(course: list[str], before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Korean lines, one per incompatibility found after installing; empty when all is well."""
    found = []
    for dep in map(Requirement, course):
        version = after.get(dep.name)
        if version is None or (dep.specifier and version not in dep.specifier):
            found.append(f"{dep.name} {version or '없음'}: 강좌에 필요한 버전은 {dep.specifier}입니다.")
    tensorflow, text = after.get("tensorflow"), after.get("tensorflow-text")
    if tensorflow is None or text is None or tensorflow.split(".")[:2] != text.split(".")[:2]:
        found.append(
            f"tensorflow {tensorflow or '없음'}과 tensorflow-text {text or '없음'}의 주 버전(예: 2.21)이 같아야 합니다."
        )
    for name in KEEP_AS_INSTALLED:
        if name in before and after.get(name) != before[name]:
            found.append(
                f"{name}이(가) {before[name]}에서 {after.get(name, '없음')}(으)로 바뀌었습니다: "
                "Colab의 가속기 빌드가 아닐 수 있습니다."
            )
    return found


def _pip(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if result.returncode:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise ColabSetupError(
            f"pip install이 실패했습니다. 런타임 > 세션 다시 시작을 누른 뒤 이 셀부터 다시 실행해 보세요. "
            f"그래도 실패하면 아래 pip 메시지의 패키지 버전을 README의 '검증된 버전'과 비교하세요.\n{tail}"
        )


def _tensorflow_text_loads() -> str | None:
    """None if tensorflow_text imports in a fresh process, else its last error line."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", "import tensorflow_text"], capture_output=True, text=True, env=env)
    return None if result.returncode == 0 else (result.stderr.strip().splitlines() or ["?"])[-1]


def _device_lines() -> list[str]:
    """Korean lines on the GPU: which backends see it, and what to do where one does not."""
    from .devices import nvidia_gpus, probe, sees_gpu

    gpus = nvidia_gpus()
    if not gpus:
        return [
            "GPU 없음: smoke 프로필은 CPU로 충분합니다. full 프로필은 런타임 > 런타임 유형 변경에서 GPU를 고르세요."
        ]
    lines = [f"GPU: {', '.join(gpus)}"]
    for backend, devices in probe().items():
        if sees_gpu(devices):
            lines.append(f"  {backend}: GPU를 봅니다 ({' '.join(devices)})")
        else:
            lines.append(
                f"  {backend}: GPU를 보지 못합니다 ({devices if isinstance(devices, str) else ' '.join(devices)}). "
                "이 백엔드로는 CPU에서 학습합니다: 다른 백엔드를 고르거나 런타임을 다시 시작해 보세요."
            )
    return lines


def install(course_dir: str | os.PathLike) -> None:
    """Install the course into Colab's Python; raise ColabSetupError (Korean) when something is off."""
    course_dir = Path(course_dir)
    course = course_requirements(course_dir / "pyproject.toml")
    names = sorted(
        {*ACCELERATOR_PACKAGES, "tensorflow-text", *KEEP_AS_INSTALLED, *(Requirement(dep).name for dep in course)}
    )
    before = installed_versions(names)
    the_plan = plan(course, before, tested_tensorflow(course_dir / "pyproject.toml"))
    for note in the_plan.notes:
        print(note)
    print("필요한 패키지를 설치하는 중입니다 (보통 1분 안팎)...")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write("\n".join(the_plan.constraints) + "\n")
    try:
        _pip("install", "-q", *the_plan.requirements, "-c", constraints.name)
    finally:
        os.unlink(constraints.name)
    _pip("install", "-q", "--no-deps", "-e", str(course_dir))
    importlib.invalidate_caches()  # this process imports what pip just installed
    after = installed_versions(names)
    found = problems(course, before, after)
    error = _tensorflow_text_loads()
    if error:
        found.append(f"tensorflow_text를 불러오지 못합니다 ({error}).")
    if found:
        raise ColabSetupError(
            "설치한 버전이 서로 맞지 않습니다:\n- " + "\n- ".join(found) + "\n"
            "런타임 > 세션 다시 시작 후 이 셀을 다시 실행하세요. 계속되면 README의 Colab 안내를 보세요."
        )
    changed = [name for name in names if name.replace("-", "_") in sys.modules and before.get(name) != after.get(name)]
    if changed:
        raise ColabSetupError(
            f"이미 불러온 패키지({', '.join(changed)})의 버전이 바뀌었습니다. "
            "런타임 > 세션 다시 시작을 누른 뒤 이 셀부터 다시 실행하세요."
        )
    print(
        "설치 완료: "
        + ", ".join(
            f"{name} {after[name]}"
            for name in ("keras", "keras-hub", "tensorflow", "tensorflow-text", "jax", "torch")
            if name in after
        )
    )
    for line in _device_lines():
        print(line)
