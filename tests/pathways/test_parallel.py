"""Tests of drawing pathways in worker processes (``draw --all --jobs N``)."""

from __future__ import annotations

import os

import pytest

from sarcoma_sim.pathways.parallel import available_cpus, in_workers, largest_first


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


@pytest.mark.slow   # starts two Python processes
def test_a_failing_item_fails_the_whole_call_with_its_own_error():
    """An item whose function raises in a worker raises that error here (no partial list comes back)."""
    with pytest.raises(ValueError, match="item 3 refused"):
        in_workers(_refuse_three, list(range(6)), workers=2)


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


def _refuse_three(item):
    """The item, except 3, refused."""
    if item == 3:
        raise ValueError("item 3 refused")
    return item
