"""`make setup` on a disk too full for the venv stops before pip starts, saying what it found."""

import os
import subprocess

from course_utils.layout import ROOT

# Run inside `make test`, pytest inherits its parent's jobserver settings; this make starts afresh.
ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def make_setup(venv, setup_gb):
    return subprocess.run(
        ["make", "-C", str(ROOT), "setup", f"VENV={venv}", f"SETUP_GB={setup_gb}", "PYTHON=false"],
        capture_output=True,
        text=True,
        env=ENV,
    )


def test_first_setup_refuses_a_disk_without_room_for_the_venv(tmp_path):
    venv = tmp_path / "venv"
    result = make_setup(venv, 1000000)
    assert result.returncode != 0
    assert f"error: make setup needs about 1000000 GB free for {venv};" in result.stderr
    assert result.stderr.splitlines()[0].endswith(" GB free")
    assert not venv.exists()


def test_first_setup_with_room_goes_on_to_create_the_venv(tmp_path):
    venv = tmp_path / "venv"
    result = make_setup(venv, 0)
    assert "needs about" not in result.stderr
    assert "false -m venv" in result.stdout  # the check passed and the next step ran (and failed: PYTHON=false)
