"""Tests that the layout stays fast on long pathways (issue 13, item 11); that label placement finds
exactly what a full scan finds is in test_layout_labels."""

from __future__ import annotations

import time

import pytest

from sarcoma_sim.pathways.draw import MAX_PNG_PIXELS, png_dpi, save_pathway_drawing
from sarcoma_sim.pathways.load import load_pathway

from helpers.paths import REPRODUCERS

R08 = REPRODUCERS / "r08_draw_45_states.yaml"


@pytest.mark.slow   # a 45-state drawing; the layout's speed figures are in benchmarks/layout.py
def test_r08_45_states_draws_quickly(tmp_path):
    """The 45-state reproducer (29 s before) draws to a PNG; a coarse guard catches a return to quadratic time."""
    start = time.perf_counter()
    save_pathway_drawing(load_pathway(R08), tmp_path / "r08.png")
    elapsed = time.perf_counter() - start
    assert (tmp_path / "r08.png").stat().st_size > 0
    assert elapsed < 25, f"drawing 45 states took {elapsed:.1f} s"


def test_png_resolution_drops_only_for_huge_drawings():
    """A slide-sized drawing keeps its dpi; a huge one is capped at MAX_PNG_PIXELS."""
    assert png_dpi((13.33, 7.5), 150) == 150
    dpi = png_dpi((300, 20), 150)
    assert dpi < 150 and 300 * 20 * dpi * dpi <= MAX_PNG_PIXELS
