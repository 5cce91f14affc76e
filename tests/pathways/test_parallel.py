"""Tests of drawing pathways in worker processes (``draw --all --jobs N``)."""

from __future__ import annotations

import os

import pytest

from sarcoma_sim.pathways.parallel import available_cpus, in_background, in_workers, largest_first


def test_one_worker_runs_here_in_order():
    """With one worker (or one item) the function runs in this process, results in the items' order."""
    assert in_workers(_pid_and, [1, 2, 3], workers=1) == [(os.getpid(), 1), (os.getpid(), 2), (os.getpid(), 3)]
    assert in_workers(_pid_and, [7], workers=4) == [(os.getpid(), 7)]


@pytest.mark.slow   # starts two Python processes
def test_two_workers_return_every_result_in_order_from_other_processes():
    """Two workers give the results in the items' order, computed outside this process."""
    results = in_workers(_pid_and, list(range(6)), workers=2)
    assert [item for _, item in results] == list(range(6))
    assert os.getpid() not in {pid for pid, _ in results}


def test_in_background_with_one_worker_computes_each_result_here_once_when_asked():
    """With one worker nothing starts: ``result(i)`` computes the i-th item here, in the order asked, once."""
    calls = []

    def record(item):
        calls.append(item)
        return os.getpid(), item

    with in_background(record, ["a", "b", "c"], workers=1) as result:
        assert calls == []
        assert result(2) == (os.getpid(), "c") and result(0) == (os.getpid(), "a") and result(2)[1] == "c"
    assert calls == ["c", "a"]


@pytest.mark.slow   # starts two Python processes
def test_in_background_gives_each_result_as_asked_from_other_processes():
    """Two workers: any result can be asked for first, and each comes from another process."""
    with in_background(_pid_and, list(range(5)), workers=2) as result:
        last = result(4)
        results = [result(i) for i in range(5)]
    assert last == results[4] and [item for _, item in results] == list(range(5))
    assert os.getpid() not in {pid for pid, _ in results}


def test_largest_first_puts_gist_first_and_keeps_every_subtype():
    """The biggest pathway is drawn first; nothing is lost or repeated."""
    order = largest_first(["imt", "gist", "emc"])
    assert order[0] == "gist" and sorted(order) == ["emc", "gist", "imt"]


def test_available_cpus_is_at_least_one():
    """The default number of workers is a positive count."""
    assert available_cpus() >= 1


def _pid_and(item):
    """The process that ran it, and the item."""
    return os.getpid(), item
