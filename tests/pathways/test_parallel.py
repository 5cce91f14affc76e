"""Tests of cutting pathways into panels in worker processes (``draw --all --jobs N``)."""

from __future__ import annotations

import pytest

from sarcoma_sim.pathways import draw
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.pathways.parallel import available_cpus, cut_in_parallel

SMALL = ["imt", "emc", "sft"]


def _described(panels) -> list:
    """What a panel shows, comparable across processes: number, states, widths, boxes and arrows."""
    return [(p.number, p.count, p.states, p.wraps, sorted(p.graph.nodes), sorted(p.graph.edges(keys=True)))
            for p in panels]


@pytest.mark.slow   # starts two Python processes
def test_panels_cut_by_workers_are_the_panels_cut_here(monkeypatch):
    """Two workers give exactly the panels this process cuts, and drawing then cuts nothing again."""
    monkeypatch.setattr(draw, "_PANELS", {})
    cut_in_parallel([(s, "slide", "right") for s in SMALL], workers=2)
    from_workers = {s: _described(draw.preset_panels(load_subtype(s), draw.PRESETS["slide"])) for s in SMALL}
    assert len(draw._PANELS) == len(SMALL)

    def refuse(*args, **kwargs):
        raise AssertionError("cut again in this process")

    monkeypatch.setattr(draw, "_preset_panels", refuse)
    for s in SMALL:
        draw.preset_panels(load_subtype(s), draw.PRESETS["slide"])
    monkeypatch.undo()
    monkeypatch.setattr(draw, "_PANELS", {})
    here = {s: _described(draw.preset_panels(load_subtype(s), draw.PRESETS["slide"])) for s in SMALL}
    assert from_workers == here


def test_one_worker_starts_nothing_and_cuts_on_first_drawing(monkeypatch):
    """With one worker (or one request) no process is started and nothing is cut in advance."""
    monkeypatch.setattr(draw, "_PANELS", {})
    cut_in_parallel([(s, "slide", "right") for s in SMALL], workers=1)
    cut_in_parallel([("imt", "slide", "right")], workers=4)
    assert draw._PANELS == {}


def test_available_cpus_is_at_least_one():
    """The default number of workers is a positive count."""
    assert available_cpus() >= 1
