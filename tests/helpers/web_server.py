"""Start ``sarcoma-sim serve`` in a subprocess on a free loopback port (shared by the server test files)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from typing import Iterator

STARTUP_SECONDS = 60


@contextlib.contextmanager
def serving(db_path, *extra: str, host: str = "127.0.0.1") -> Iterator[tuple[str, list[str]]]:
    """Yield (base URL, the lines the server printed up to "Ctrl-C"); stop the server afterwards."""
    with serving_process(db_path, *extra, host=host) as (url, lines, _):
        yield url, lines


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (children, their children...), from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@contextlib.contextmanager
def serving_process(db_path, *extra: str, host: str = "127.0.0.1") -> Iterator[tuple[str, list[str], subprocess.Popen]]:
    """Like ``serving``, also yielding the server's process."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "sarcoma_sim", "serve", "--host", host, "--port", "0",
                                "--db", str(db_path), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + STARTUP_SECONDS
        url = None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"server exited: {process.stderr.read()}")
            lines.append(line.rstrip("\n"))
            if line.startswith("sarcoma-sim teaching app on "):
                url = line.split(" on ", 1)[1].strip().rstrip("/")
            if line.startswith("Ctrl-C stops the server"):
                break
        if url is None:
            raise RuntimeError(f"server did not start: {lines}")
        yield url, lines, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
