"""Diagram workers: a killed worker is replaced, and a killed server leaves no process behind."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request

import pytest

from helpers.web_server import alive, descendants, serving_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")


def run_example(url: str, example: str) -> int:
    """Run a shipped example in the scenario runner, whose drawing of the path goes through the diagram
    workers (each example's pathway and path is a drawing not yet cached); the status."""
    request = urllib.request.Request(url + "/scenarios/run", data=f"example={example}".encode(), method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        return response.status


def wait_until(condition, seconds: float = 60) -> bool:
    """Whether ``condition()`` became true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def workers_of(server: int) -> set[int]:
    """The diagram worker processes: the server's grandchildren (children of the forkserver)."""
    children = {pid for pid in descendants(server) if alive(pid)}
    return {pid for pid in children if pid not in {c for c in children if _parent(c) == server}}


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def test_a_killed_diagram_worker_is_replaced_and_diagrams_still_draw(tmp_path):
    """SIGKILL every diagram worker: the next uncached diagram is drawn (200), not a 500."""
    with serving_process(tmp_path / "a.sqlite3") as (url, _, process):
        assert run_example(url, "gist_exon9_standard_dose") == 200
        workers = workers_of(process.pid)
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        assert wait_until(lambda: not any(alive(pid) for pid in workers))
        assert run_example(url, "dfsp_imatinib") == 200
        assert run_example(url, "pecoma_sirolimus") == 200


@pytest.mark.slow   # the worker test above is the default run's representative
def test_a_killed_server_leaves_no_process_behind(tmp_path):
    """SIGKILL the server after it drew a diagram: its forkserver, workers and resource tracker all end."""
    with serving_process(tmp_path / "b.sqlite3") as (url, _, process):
        assert run_example(url, "gist_exon9_standard_dose") == 200
        left = {pid for pid in descendants(process.pid) if alive(pid)}
        assert left
        process.kill()
        process.wait(timeout=30)
        assert wait_until(lambda: not any(alive(pid) for pid in left), 30), [
            open(f"/proc/{pid}/cmdline").read().replace("\0", " ") for pid in left if alive(pid)]
