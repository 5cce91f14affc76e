"""Tests that the layout stays fast on long pathways (issue 13, item 11) and that its spatial index
finds exactly what a full scan finds."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.pathways.draw import MAX_PNG_PIXELS, png_dpi, save_pathway_drawing
from sarcoma_sim.pathways.layout.geometry import Box
from sarcoma_sim.pathways.layout.labels import _BoxGrid, _PointGrid
from sarcoma_sim.pathways.load import load_pathway

from helpers.budget import examples
from helpers.paths import REPRODUCERS

R08 = REPRODUCERS / "r08_draw_45_states.yaml"

coordinate = st.floats(min_value=-5, max_value=20, allow_nan=False)
size = st.floats(min_value=0.01, max_value=4, allow_nan=False)
boxes = st.builds(lambda x, y, w, h: Box("b", "label", x, y, w, h), coordinate, coordinate, size, size)


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


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate, st.integers(0, 4), st.sampled_from([1.0, 4.0])), max_size=80),
       boxes, st.integers(0, 4))
def test_point_grid_weight_equals_a_full_scan(points, box, excluding):
    """The grid sums exactly the weights of points strictly inside the box from other routes."""
    grid = _PointGrid()
    for x, y, route, weight in points:
        grid.add((x, y), route, weight)
    expected = sum(w for x, y, r, w in points
                   if r != excluding and box.left < x < box.right and box.top < y < box.bottom)
    assert grid.weight_inside(box, excluding) == expected


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(boxes, max_size=40), boxes, st.sampled_from([0.0, 0.06, 0.07]))
def test_box_grid_counts_the_same_overlaps_as_a_full_scan(stored, box, margin):
    """The grid counts exactly the stored boxes that overlap the box at the margin."""
    assert _BoxGrid(stored).count_overlaps(box, margin) == sum(box.overlaps(o, margin) for o in stored)
