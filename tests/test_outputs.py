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


def test_atomic_directory_drops_the_later_panels_of_a_drawing_now_cut_into_fewer(tmp_path):
    """A folder regenerated with a drawing cut into fewer panels (GIST's slides 7 -> 6) does not keep
    the old last panel; a panel after a gap, another drawing's panels and other files stay."""
    target = tmp_path / "slides"
    target.mkdir()
    for name in ["gist-slide-1.png", "gist-slide-7.png", "gist-slide-8.png", "gist-slide-10.png",
                 "asps-slide-4.png", "notes-2.txt", "gist.png"]:
        (target / name).write_text("old")
    with atomic_directory(target) as tmp:
        for n in range(1, 7):
            (tmp / f"gist-slide-{n}.png").write_text("new")
        (tmp / "notes.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [f"gist-slide-{n}.png" for n in range(1, 7)] + ["gist-slide-10.png", "asps-slide-4.png", "notes-2.txt",
                                                       "gist.png", "notes.txt"])
    assert (target / "gist-slide-1.png").read_text() == "new"


def test_atomic_directory_drops_the_panels_of_a_drawing_now_whole_and_the_whole_of_one_now_cut(tmp_path):
    """A drawing now on one slide (imt-slide.png) leaves none of its earlier panels; one now cut into
    panels leaves no earlier whole drawing; a numbered file not starting at 1 stays."""
    target = tmp_path / "slides"
    target.mkdir()
    for name in ["imt-slide-1.png", "imt-slide-2.png", "ntrk-slide.png", "notes-2.txt"]:
        (target / name).write_text("old")
    with atomic_directory(target) as tmp:
        (tmp / "imt-slide.png").write_text("new")
        for n in (1, 2):
            (tmp / f"ntrk-slide-{n}.png").write_text("new")
        (tmp / "notes.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["imt-slide.png", "notes-2.txt", "notes.txt",
                                                        "ntrk-slide-1.png", "ntrk-slide-2.png"]


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


# -- hostile output locations (issue 13, items 6, 12, 13) --------------------------------------

LONG_NAME = "x" * 300 + ".json"


@pytest.mark.parametrize("writer", ["file", "folder"])
def test_empty_path_is_refused(writer):
    """An empty output path is an OutputError, never a silent success that writes nothing."""
    with pytest.raises(OutputError, match="empty path"):
        if writer == "file":
            write_text_atomic("", "x")
        else:
            with atomic_directory(""):
                pass


def test_300_character_file_name_is_an_output_error(tmp_path):
    """A name longer than the file system allows is an OutputError, and nothing is left behind."""
    with pytest.raises(OutputError, match="too long"):
        write_text_atomic(tmp_path / LONG_NAME, "x")
    assert list(tmp_path.iterdir()) == []


def test_300_character_folder_name_is_an_output_error(tmp_path):
    """A folder name longer than the file system allows is an OutputError; no temporary folder stays."""
    with pytest.raises(OutputError, match="too long"):
        with atomic_directory(tmp_path / ("d" * 300)) as tmp:
            (tmp / "a.csv").write_text("a")
    assert list(tmp_path.iterdir()) == []


def test_symlinked_file_is_refused_and_its_target_untouched(tmp_path):
    """An output file that is a symbolic link is refused; the file it points to is not written."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "link.txt").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        write_text_atomic(tmp_path / "link.txt", "x")
    assert victim.read_text() == "keep" and (tmp_path / "link.txt").is_symlink()


def test_symlinked_folder_is_refused_and_its_target_untouched(tmp_path):
    """An output folder that is a symbolic link is refused; nothing is written into the folder it names."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (tmp_path / "link").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        with atomic_directory(tmp_path / "link") as tmp:
            (tmp / "a.csv").write_text("a")
    assert list(victim.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "victim"]


def test_fifo_is_refused_not_replaced(tmp_path):
    """A FIFO as the output file is refused and stays a FIFO."""
    import stat

    fifo = tmp_path / "p.fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        write_text_atomic(fifo, "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_device_is_refused():
    """A device as the output file is refused before anything is written (checked with /dev/null)."""
    with pytest.raises(OutputError, match="device"):
        write_text_atomic("/dev/null", "x")


def test_folder_is_swapped_in_whole_and_keeps_other_files(tmp_path):
    """A second run replaces the files it writes, keeps the other plain files, and leaves no temporary folder."""
    target = tmp_path / "run"
    with atomic_directory(target) as tmp:
        (tmp / "a.csv").write_text("first")
        (tmp / "b.csv").write_text("first")
    (target / "notes.txt").write_text("mine")
    with atomic_directory(target) as tmp:
        (tmp / "a.csv").write_text("second")
    assert (target / "a.csv").read_text() == "second"
    assert (target / "b.csv").read_text() == "first"
    assert (target / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_failed_second_run_leaves_the_first_folder_exactly(tmp_path):
    """A run that fails after writing some files leaves the previous folder as it was, file for file."""
    target = tmp_path / "run"
    with atomic_directory(target) as tmp:
        (tmp / "summary.json").write_text("seed 1")
        (tmp / "events.csv").write_text("seed 1")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as tmp:
            (tmp / "summary.json").write_text("seed 2")
            raise RuntimeError("plots failed")
    assert {p.name: p.read_text() for p in target.iterdir()} == {"summary.json": "seed 1", "events.csv": "seed 1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_folder_holding_a_subfolder_is_refused_before_writing(tmp_path):
    """A folder holding something other than plain files is refused at once and left unchanged."""
    target = tmp_path / "run"
    (target / "time_on_line.png").mkdir(parents=True)
    (target / "time_on_line.png" / "keep").write_text("x")
    (target / "summary.json").write_text("seed 1")
    with pytest.raises(OutputError, match="time_on_line.png"):
        with atomic_directory(target):
            raise AssertionError("the body must not run")
    assert (target / "summary.json").read_text() == "seed 1"
    assert (target / "time_on_line.png" / "keep").read_text() == "x"


def test_folder_held_by_another_run_is_refused(tmp_path):
    """While one run writes a folder, a second run into it is refused and the first completes."""
    target = tmp_path / "run"
    target.mkdir()
    with atomic_directory(target) as first:
        (first / "a.csv").write_text("first")
        with pytest.raises(OutputError, match="another sarcoma-sim run is writing"):
            with atomic_directory(target):
                pass
    assert (target / "a.csv").read_text() == "first"


def test_new_folder_created_by_another_run_meanwhile_is_kept(tmp_path):
    """Two runs into a new folder: the one that finishes second is refused, the first one's folder stays whole."""
    target = tmp_path / "run"
    with pytest.raises(OutputError, match="another sarcoma-sim run wrote this folder"):
        with atomic_directory(target) as second:
            (second / "summary.json").write_text("seed 2")
            (second / "events.csv").write_text("seed 2")
            with atomic_directory(target) as first:
                (first / "summary.json").write_text("seed 1")
                (first / "events.csv").write_text("seed 1")
    assert {p.name: p.read_text() for p in target.iterdir()} == {"summary.json": "seed 1", "events.csv": "seed 1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_new_folder_gets_the_usual_permissions(tmp_path):
    """A new output folder gets mkdir's mode under the umask, not a temporary folder's 0700."""
    import stat

    umask = os.umask(0o022)
    try:
        with atomic_directory(tmp_path / "run") as tmp:
            (tmp / "a.csv").write_text("a")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "run").st_mode) == 0o755


@pytest.mark.parametrize("name", [".", "..", "here"])
def test_working_folder_and_its_parents_are_refused(name, tmp_path, monkeypatch):
    """``--out .`` (or ``..``, or the working folder by name) is refused at once: it cannot be swapped out."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    target = "../here" if name == "here" else name
    with pytest.raises(OutputError, match="current folder"):
        with atomic_directory(target):
            raise AssertionError("the body must not run")
    assert list(here.iterdir()) == []
