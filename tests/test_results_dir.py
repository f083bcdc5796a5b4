"""Notebooks write their figures under ./results unless COURSE_RESULTS_DIR says otherwise."""

from course_utils.environment import results_dir


def test_default_is_a_results_folder_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_RESULTS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert results_dir() == tmp_path / "results"
    assert not (tmp_path / "results").exists()  # created by the first write, not by asking


def test_course_results_dir_overrides_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path / "elsewhere"))
    assert results_dir() == tmp_path / "elsewhere"
