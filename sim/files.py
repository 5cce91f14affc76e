"""Write output files and folders all-or-nothing, and turn failures to write into ``OutputError``.

A file is written to a temporary file beside the target and renamed into place. A folder is
built as a temporary sibling and swapped in as a whole, so a failed run leaves the old folder as
it was and a finished one leaves the new folder complete: never a mix of two runs. A second run
into a folder that another run is writing is refused at once, or, when the folder did not exist
yet, refused when it finds the other run's folder in place.

Only plain files and folders are written: an output path that is a symbolic link, a FIFO, a
device or a socket, an empty path, or a name too long for the file system is an ``OutputError``
(exit 1 with an ``error:`` line), never a traceback and never a write through the link.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sarcoma_sim.errors import OutputError, Problem

# Temporary names stay short whatever the target's name, so a long name fails on its own.
_TEMP_PREFIX = ".sarcoma-sim-"
# How long a finished run waits for another run's swap into the same parent folder (a rename or two).
_COMMIT_WAIT_SECONDS = 30.0


def _default_file_mode(base: int = 0o666) -> int:
    """The mode a plain ``open(..., "w")`` (``base`` 0o666) or ``mkdir`` (0o777) would give under the
    current umask (mkstemp gives 0600, mkdtemp 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    return base & ~umask


def _unwritable(path: Path | str, why: str) -> OutputError:
    return OutputError(Problem(str(path), None, "", f"cannot write output: {why}"))


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long for the file system"
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a file"


def _existing(target: Path) -> os.stat_result | None:
    """``lstat`` of ``target`` (links not followed), None if it does not exist; other failures refuse."""
    try:
        return os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unwritable(target, _why(exc)) from None


def _checked_parent(target_text: str | Path, what: str) -> tuple[Path, Path]:
    """The target and its folder, after refusing an empty path and a missing folder."""
    if not str(target_text).strip():
        raise _unwritable(repr(str(target_text)), f"expected {what}, got an empty path")
    target = Path(target_text)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise _unwritable(target, f"folder {str(parent)!r} does not exist")
    return target, parent


def check_output_file(target: str | Path) -> tuple[Path, Path]:
    """(target, its folder) if ``atomic_path`` could write ``target``; else ``OutputError``, before any work."""
    target, parent = _checked_parent(target, "a file name")
    found = _existing(target)
    if found is not None and not stat.S_ISREG(found.st_mode):
        expected = "expected a file name" if stat.S_ISDIR(found.st_mode) else "expected a regular file or a new name"
        raise _unwritable(target, f"is {_kind(found.st_mode)}, {expected}")
    return target, parent


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on error it is removed.

    ``target`` may be a new name or an existing regular file; a folder, a symbolic link, a FIFO, a
    device or a socket is refused before anything is written.
    """
    target, parent = check_output_file(target)
    suffix = target.suffix if len(target.suffix) <= 16 else ".tmp"
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=suffix or ".tmp", dir=parent)
    except OSError as exc:
        raise _unwritable(target, _why(exc)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _default_file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _unwritable(target, _why(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` all-or-nothing."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _identity(found: os.stat_result | None) -> tuple | None:
    return None if found is None else (found.st_dev, found.st_ino)


def _check_folder_contents(target: Path) -> None:
    """Refuse a folder holding anything but plain files: the swap would carry over or delete it."""
    try:
        entries = list(os.scandir(target))
    except OSError as exc:
        raise _unwritable(target, _why(exc)) from None
    for entry in entries:
        mode = entry.stat(follow_symlinks=False).st_mode
        if not stat.S_ISREG(mode):
            raise _unwritable(target, f"it holds {entry.name!r}, which is {_kind(mode)}; an output folder may "
                                      f"hold only files (choose a new or another folder)")


def _refuse_working_folder(target: Path) -> None:
    """Refuse ``.``, ``..``, the working folder or any folder holding it: it cannot be swapped out."""
    try:
        resolved, working = target.resolve(), Path.cwd().resolve()
    except OSError as exc:
        raise _unwritable(target, _why(exc)) from None
    if target.name in ("", ".", "..") or resolved == working or resolved in working.parents:
        raise _unwritable(target, "is the current folder or holds it; expected a new folder or one beside it")


def _lock(path: Path, wait: float = 0.0) -> int | None:
    """An exclusive ``flock`` on the folder ``path``, trying for ``wait`` seconds; None if another run holds it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.05)
        except OSError:
            os.close(fd)
            raise


def _carry_over(old: Path, new: Path) -> None:
    """Link into ``new`` every file of ``old`` that the run did not write (same-named files are replaced),
    except the later panels of a drawing the run drew into fewer (``_stale_panels``)."""
    stale = _stale_panels(old, new)
    for entry in os.scandir(old):
        destination = new / entry.name
        if destination.exists() or entry.name in stale:
            continue
        try:
            os.link(entry.path, destination)
        except OSError:
            shutil.copy2(entry.path, destination)


_PANEL_NAME = re.compile(r"^(?P<stem>.+)-(?P<number>[1-9][0-9]*)(?P<suffix>\.[A-Za-z0-9]+)$")


def _stale_panels(old: Path, new: Path) -> set[str]:
    """Names in ``old`` that are panels ``name-{n+1}.ext``, ``name-{n+2}.ext``... of a drawing that
    ``new`` holds as ``name-1.ext`` to ``name-n.ext``: left by an earlier run that cut it into more
    panels, and kept they would end a regenerated folder of slides with the old pathway's last
    slide. Only numbers running on from ``new``'s last are stale. A drawing ``new`` holds whole
    (``name.ext``, no ``name-1.ext``) leaves none of its earlier panels ``name-1.ext``,
    ``name-2.ext``..., and one it holds in panels leaves no earlier whole ``name.ext``. Other files are kept."""
    last: dict[tuple[str, str], int] = {}
    wholes: set[tuple[str, str]] = set()
    for entry in os.scandir(new):
        found = _PANEL_NAME.match(entry.name)
        if found:
            key = (found["stem"], found["suffix"])
            last[key] = max(last.get(key, 0), int(found["number"]))
        else:
            stem, suffix = os.path.splitext(entry.name)
            if stem and suffix:
                wholes.add((stem, suffix))
    cut = {(stem, suffix): count for (stem, suffix), count in last.items() if (new / f"{stem}-1{suffix}").exists()}
    stale = {path.name for (stem, suffix), count in cut.items() for path in later_panels(old, stem, suffix, count)}
    stale |= {path.name for stem, suffix in wholes if (stem, suffix) not in cut
              for path in later_panels(old, stem, suffix, 0)}
    stale |= {f"{stem}{suffix}" for stem, suffix in cut
              if (stem, suffix) not in wholes and (old / f"{stem}{suffix}").is_file()}
    return stale


def later_panels(folder: Path, stem: str, suffix: str, count: int) -> list[Path]:
    """The files ``stem-{count+1}{suffix}``, ``stem-{count+2}{suffix}``... in ``folder``, numbered on
    without a gap: the panels after the ``count``-th of a drawing cut into more panels before."""
    found: list[Path] = []
    while (later := folder / f"{stem}-{count + len(found) + 1}{suffix}").is_file():
        found.append(later)
    return found


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it takes ``target``'s place as a whole.

    ``target`` may not exist yet (it is created) or be a folder of plain files: files of the same
    names are replaced, other files are kept (but the later panels of a drawing now cut into fewer,
    ``_stale_panels``). Nothing in ``target`` changes until the run has
    written everything; then the old folder is renamed aside, the new one renamed into place and
    the old one removed. On error the temporary folder is removed and ``target`` is left as it was.
    Another run writing into ``target`` at the same time is refused (``OutputError``).
    """
    target, parent = _checked_parent(target, "a folder name")
    _refuse_working_folder(target)
    found = _existing(target)
    if found is not None and not stat.S_ISDIR(found.st_mode):
        raise _unwritable(target, f"exists and is not a folder (it is {_kind(found.st_mode)}); expected a folder "
                                  "or a new name")
    held = None
    if found is not None:
        _check_folder_contents(target)
        try:
            held = _lock(target)
        except OSError as exc:
            raise _unwritable(target, _why(exc)) from None
        if held is None:
            raise _unwritable(target, "another sarcoma-sim run is writing this folder; try again when it ends")
    try:
        try:
            tmp = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=parent))
        except OSError as exc:
            raise _unwritable(target, _why(exc)) from None
        try:
            yield tmp
            _commit(tmp, target, parent, _identity(found))
        except OSError as exc:
            raise _unwritable(target, _why(exc)) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if held is not None:
            os.close(held)


def _commit(tmp: Path, target: Path, parent: Path, seen: tuple | None) -> None:
    """Swap ``tmp`` in as ``target``, unless another run changed ``target`` since this one began."""
    parent_lock = _lock(parent, wait=_COMMIT_WAIT_SECONDS)
    if parent_lock is None:
        raise _unwritable(target, f"another sarcoma-sim run kept {str(parent)!r} busy for "
                                  f"{_COMMIT_WAIT_SECONDS:g} s; nothing was written")
    try:
        now = _existing(target)
        if _identity(now) != seen:
            raise _unwritable(target, "another sarcoma-sim run wrote this folder while this one ran; "
                                      "this run's output was discarded and the other run's folder kept")
        if now is None:
            os.chmod(tmp, _default_file_mode(0o777))
            os.rename(tmp, target)
            return
        _check_folder_contents(target)
        _carry_over(target, tmp)
        os.chmod(tmp, stat.S_IMODE(now.st_mode))
        aside = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=parent))
        os.rmdir(aside)
        os.rename(target, aside)
        try:
            os.rename(tmp, target)
        except OSError:
            os.rename(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    finally:
        os.close(parent_lock)
