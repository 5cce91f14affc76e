"""Tests of all-or-nothing output writing."""

from __future__ import annotations

import os

import pytest

from sarcoma_sim.errors import OutputError
from sarcoma_sim.files import atomic_directory, atomic_path, write_text_atomic


def test_write_text_atomic_writes(tmp_path):
    """Text lands in the target and no temporary file is left."""
    target = tmp_path / "out.json"
    write_text_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failure_leaves_nothing(tmp_path):
    """An error while writing leaves neither the target nor a temporary file."""
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_old_file(tmp_path):
    """A failed rewrite leaves the previous file untouched."""
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("new")
            raise RuntimeError("boom")
    assert target.read_text() == "old"


def test_missing_folder_is_an_output_error(tmp_path):
    """Writing into a folder that does not exist is a clear input error."""
    with pytest.raises(OutputError, match="cannot write output: folder .* does not exist"):
        write_text_atomic(tmp_path / "nope" / "out.txt", "x")


def test_target_that_is_a_folder_is_refused(tmp_path):
    """A target that is a folder is refused, not overwritten."""
    with pytest.raises(OutputError, match="is a folder"):
        write_text_atomic(tmp_path, "x")


def test_atomic_directory_moves_files_in(tmp_path):
    """Files written in the temporary folder appear in the target folder only on success."""
    target = tmp_path / "run"
    with atomic_directory(target) as tmp:
        (tmp / "a.csv").write_text("a")
        assert not target.exists()
    assert (target / "a.csv").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_atomic_directory_failure_leaves_nothing(tmp_path):
    """A failed run leaves no target folder and no temporary folder."""
    with pytest.raises(RuntimeError):
        with atomic_directory(tmp_path / "run") as tmp:
            (tmp / "a.csv").write_text("a")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_directory_refuses_a_file_target(tmp_path):
    """A target that exists as a file is refused."""
    (tmp_path / "run").write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        with atomic_directory(tmp_path / "run"):
            pass


def test_written_file_is_readable_by_others(tmp_path):
    """Files get the ordinary umask-based mode, not the 0600 of a temporary file."""
    target = tmp_path / "out.txt"
    write_text_atomic(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
