"""The caches that make cutting panels fast (issue 21, item 4) return what an uncached computation
returns, and miss when anything the result depends on changes (the wrap widths above all)."""

from __future__ import annotations

import functools
import textwrap
from dataclasses import replace

import networkx as nx
import pytest

from sarcoma_sim.pathways.draw import PRESETS, preset_graphs
from sarcoma_sim.pathways.draw import diagram as diagram_module
from sarcoma_sim.pathways.draw import legend as legend_module
from sarcoma_sim.pathways.draw.diagram import (
    _prepared_for,
    _sizes,
    diagram_bound,
    diagram_layout,
    drawing_spacing,
    graph_fingerprint,
)
from sarcoma_sim.pathways.draw.measure import _TextMeasure
from sarcoma_sim.pathways.draw.style import DPI
from sarcoma_sim.pathways.layout import Spacing, _prepared, diagram_structure, extent_bound, layered_layout
from sarcoma_sim.pathways.layout.text import wrap_widths
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.pathways.panels import measured_panels, panel_graph, phase_blocks, taught_lines
from sarcoma_sim.pathways.unchanged import remembered, unchanged_graphs

SLIDE = PRESETS["slide"]


@functools.lru_cache(maxsize=2)
def folded(subtype: str) -> nx.MultiDiGraph:
    return preset_graphs(load_subtype(subtype))[1]


def first_panel(subtype: str = "gist") -> nx.MultiDiGraph:
    """The first phase of ``subtype`` as a measured panel (its labels collide on a first attempt)."""
    graph = folded(subtype)
    return measured_panels(graph, phase_blocks(graph))[0]


@pytest.fixture
def empty_caches(monkeypatch):
    """The process's layout caches emptied for the test (and restored after it)."""
    for name in ("_LAYOUTS", "_PREPARED", "_STRUCTURES"):
        monkeypatch.setattr(diagram_module, name, {})


def uncached_prepared(graph, measure, typography, spacing, direction):
    node_size, label_size = _sizes(graph, measure, typography)
    return _prepared(graph, node_size, label_size, drawing_spacing(spacing, typography, measure, direction), direction)


@pytest.mark.parametrize("direction", ["right", "down"])
def test_prepared_layout_inputs_are_what_an_uncached_preparation_gives(empty_caches, direction):
    """The kept structure, columns and sizes equal ``layout._prepared``'s, the first time and again."""
    panel, measure, spacing = first_panel(), _TextMeasure(), SLIDE.spacing_for(direction)
    with wrap_widths(*SLIDE.wraps):
        expected = uncached_prepared(panel, measure, SLIDE.typography, spacing, direction)
        assert _prepared_for(panel, measure, SLIDE.typography, spacing, direction) == expected
        assert _prepared_for(panel, measure, SLIDE.typography, spacing, direction) == expected
        assert len(diagram_module._PREPARED) == 1


def test_prepared_inputs_miss_when_the_wrap_widths_change(empty_caches):
    """Other box widths give other sizes, another label width another structure: neither is taken from the cache."""
    panel, measure, spacing = first_panel(), _TextMeasure(), SLIDE.spacing_for("right")
    title, detail, label = SLIDE.wraps
    with wrap_widths(title, detail, label):
        narrow = _prepared_for(panel, measure, SLIDE.typography, spacing, "right")
    with wrap_widths(title + 8, detail + 8, label):
        wide = _prepared_for(panel, measure, SLIDE.typography, spacing, "right")
        assert wide == uncached_prepared(panel, measure, SLIDE.typography, spacing, "right")
    with wrap_widths(title, detail, label + 8):
        long_labels = _prepared_for(panel, measure, SLIDE.typography, spacing, "right")
        assert long_labels[0] == diagram_structure(panel)
    assert wide[2] != narrow[2]               # the boxes' sizes
    assert long_labels[0] != narrow[0]        # the arrows' labels
    assert len(diagram_module._PREPARED) == 3 and len(diagram_module._STRUCTURES) == 2


def test_prepared_inputs_miss_for_another_typography_spacing_or_direction(empty_caches):
    """Type sizes, spacing and direction are part of the key as well."""
    panel, measure = first_panel(), _TextMeasure()
    larger = replace(SLIDE.typography, node_title=16)
    with wrap_widths(*SLIDE.wraps):
        _prepared_for(panel, measure, SLIDE.typography, SLIDE.spacing_for("right"), "right")
        other = _prepared_for(panel, measure, larger, SLIDE.spacing_for("right"), "right")
        assert other == uncached_prepared(panel, measure, larger, SLIDE.spacing_for("right"), "right")
        _prepared_for(panel, measure, SLIDE.typography, Spacing(node_gap=0.9), "right")
        _prepared_for(panel, measure, SLIDE.typography, SLIDE.spacing_for("right"), "down")
    assert len(diagram_module._PREPARED) == 4


@pytest.mark.parametrize("direction", ["right", "down"])
def test_bound_from_kept_inputs_equals_the_uncached_bound(empty_caches, direction):
    """``diagram_bound`` (from the kept inputs) is ``extent_bound`` on freshly measured sizes."""
    panel, measure, spacing = first_panel(), _TextMeasure(), SLIDE.spacing_for(direction)
    with wrap_widths(*SLIDE.wraps):
        node_size, label_size = _sizes(panel, measure, SLIDE.typography)
        expected = extent_bound(panel, node_size, label_size, spacing, direction)
        assert diagram_bound(panel, measure, SLIDE.typography, spacing, direction) == expected


@pytest.mark.parametrize("direction", ["right", "down"])
def test_a_layout_started_from_its_first_attempt_equals_one_laid_out_afresh(empty_caches, monkeypatch, direction):
    """Where the one-attempt layout has colliding labels, the full layout starts from it as it is
    and ends where a layout computed from nothing ends."""
    panel, measure, spacing = first_panel(), _TextMeasure(), SLIDE.spacing_for(direction)
    with wrap_widths(*SLIDE.wraps):
        node_size, label_size = _sizes(panel, measure, SLIDE.typography)
        drawn_spacing = drawing_spacing(spacing, SLIDE.typography, measure, direction)
        fresh = layered_layout(panel, node_size, label_size, drawn_spacing, attempts=6, direction=direction)
        first = diagram_layout(panel, measure, SLIDE.typography, spacing, direction, attempts=1)
        assert first.collisions > 0   # else the full layout is the first one, and nothing is reused
        placed = []
        original = diagram_module.layered_layout_within

        def spy(*args, **kwargs):
            placed.append(kwargs.get("first"))
            return original(*args, **kwargs)

        monkeypatch.setattr(diagram_module, "layered_layout_within", spy)
        full = diagram_layout(panel, measure, SLIDE.typography, spacing, direction)
    assert placed == [first]
    assert full == fresh


def test_graph_fingerprints_are_kept_only_inside_the_block_and_per_graph_object():
    """Inside ``unchanged_graphs`` a graph's fingerprint is worked out once; outside, a changed graph gets a new one."""
    graph = nx.MultiDiGraph()
    graph.add_edge("a", "b")
    before = graph_fingerprint(graph)
    graph.add_edge("b", "c")
    assert graph_fingerprint(graph) != before   # outside the block nothing is kept
    calls = []
    with unchanged_graphs():
        for _ in range(3):
            assert remembered(graph, "q", lambda: calls.append(1) or len(calls)) == 1
        copy = graph.copy()
        assert remembered(copy, "q", lambda: calls.append(1) or len(calls)) == 2   # another object
        assert graph_fingerprint(copy) == graph_fingerprint(graph)
    assert remembered(graph, "q", lambda: calls.append(1) or len(calls)) == 3        # the block ended


def test_remembered_answers_are_bounded(monkeypatch):
    """Past ``LIMIT`` graphs, what was kept is forgotten (a long-running server makes many cuts)."""
    from sarcoma_sim.pathways import unchanged

    monkeypatch.setattr(unchanged, "LIMIT", 3)
    graphs = [nx.MultiDiGraph(name=str(i)) for i in range(5)]
    with unchanged_graphs():
        for g in graphs:
            remembered(g, "q", lambda: 0)
            assert len(unchanged._LOCAL.seen) <= 3
    assert unchanged._LOCAL.seen is None


def test_kept_placeholder_panels_equal_the_panels_made_afresh():
    """Inside the block the same group of states gives the same panel graph object, equal to one
    made outside it; a cut where its neighbours share panels differently gives another."""
    graph = folded("gist")
    blocks = phase_blocks(graph)
    fresh = [graph_fingerprint(p) for p in measured_panels(graph, blocks)]
    split = [blocks[0], blocks[1][:3], blocks[1][3:], *blocks[2:]]
    fresh_split = [graph_fingerprint(p) for p in measured_panels(graph, split)]
    with unchanged_graphs():
        kept = measured_panels(graph, blocks)
        again = measured_panels(graph, blocks)
        assert [graph_fingerprint(p) for p in kept] == fresh
        assert all(a is b for a, b in zip(kept, again))
        kept_split = measured_panels(graph, split)
        assert [graph_fingerprint(p) for p in kept_split] == fresh_split
        # panel 1's arrows now lead to two panels of the second phase: its link box says so
        assert kept_split[0] is not kept[0] and fresh_split[0] != fresh[0]
        assert taught_lines(graph) == taught_lines(graph.copy())


def test_placeholder_panel_key_covers_the_numbers_in_its_link_boxes():
    """A placeholder panel kept for one cut is the panel ``panel_graph`` makes for another cut with the same key."""
    graph = folded("leiomyosarcoma")
    blocks = phase_blocks(graph)
    with unchanged_graphs():
        for groups in (blocks, [blocks[0] + blocks[1], *blocks[2:]], [*blocks[:-1], blocks[-1][:1], blocks[-1][1:]]):
            panel_of_state = {n: i + 1 for i, g in enumerate(groups) for n in g}
            for i, (g, kept) in enumerate(zip(groups, measured_panels(graph, groups))):
                made = panel_graph(graph, set(g), 99, 99, panel_of_state, i + 1 == len(groups), placeholder=True)
                assert made is not kept and graph_fingerprint(made) == graph_fingerprint(kept)


def fresh_legend_extent(handles, ncol, chars, size):
    """The legend extent as it was measured before (a new figure each time)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6), dpi=DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 8)
    ax.set_ylim(6, 0)
    legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(4.0, 0.0), bbox_transform=ax.transData,
                       ncol=ncol, fontsize=size, frameon=False, handlelength=1.8, columnspacing=1.6)
    if chars is not None:
        for text, handle in zip(legend.get_texts(), handles):
            text.set_text(textwrap.fill(handle.get_label(), chars, break_long_words=False))
    extent = legend.get_window_extent(figure.canvas.get_renderer())
    return extent.width / DPI, extent.height / DPI


def test_legend_extents_on_the_scratch_figure_equal_a_fresh_figure(monkeypatch):
    """Measured one after another on the one scratch figure, legends measure as each did on its own
    figure; another wrap or column count is measured anew, not taken from the cache."""
    monkeypatch.setattr(legend_module, "_LEGEND_EXTENTS", {})
    graph = folded("gist")
    handles = legend_module._legend_handles(graph, diagram_layout(graph), True)
    labels = tuple(h.get_label() for h in handles)
    for ncol, chars, size in [(1, None, 12), (2, None, 12), (1, 20, 12), (1, 12, 12), (3, None, 14), (1, 20, 12)]:
        assert legend_module._legend_extent(handles, labels, ncol, chars, size) == \
            fresh_legend_extent(handles, ncol, chars, size)
    assert len(legend_module._LEGEND_EXTENTS) == 5
