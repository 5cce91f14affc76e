"""Write output files all-or-nothing, and turn failures to write into input errors.

A command writes to a temporary file beside the target and renames it into place, so an
interrupted or failed run never leaves a half-written file. Unwritable targets become
``PathwayError`` (exit 1 with an ``error:`` line) rather than a traceback.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sarcoma_sim.errors import PathwayError, Problem


def _default_file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give under the current umask (mkstemp gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _unwritable(path: Path, why: str) -> PathwayError:
    return PathwayError(Problem(str(path), None, "", f"cannot write output: {why}"))


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on error it is removed."""
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise _unwritable(target, f"folder {str(parent)!r} does not exist")
    if target.is_dir():
        raise _unwritable(target, "is a folder, expected a file name")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix or ".tmp", dir=parent)
    except OSError as exc:
        raise _unwritable(target, exc.strerror or str(exc)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _default_file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _unwritable(target, exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` all-or-nothing."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success its files are moved into ``target``.

    ``target`` may exist (files of the same names are replaced) or not (it is created). On error the
    temporary folder is removed and ``target`` is left as it was.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if target.exists() and not target.is_dir():
        raise _unwritable(target, "exists and is not a folder")
    if not parent.is_dir():
        raise _unwritable(target, f"folder {str(parent)!r} does not exist")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    except OSError as exc:
        raise _unwritable(target, exc.strerror or str(exc)) from None
    try:
        yield tmp
        target.mkdir(exist_ok=True)
        for item in tmp.iterdir():
            os.replace(item, target / item.name)
    except OSError as exc:
        raise _unwritable(target, exc.strerror or str(exc)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
