"""Tests of the pathway drawings: every pathway, every format, geometry measured by the renderer."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sarcoma_sim.errors import OutputError, PathwayError
from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
from sarcoma_sim.pathways.draw import draw_pathway, highlighted_keys, save_pathway_drawing
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway

from helpers.budget import heavy_matrix
from helpers.geometry import GIST_PATH, assert_clean_geometry, extents, inside

SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF"}


# By default one mid-sized pathway stands for the matrix (GIST is drawn by the highlight tests below).
@pytest.mark.parametrize("highlight", heavy_matrix([None, "path"], keep=["path"]))
@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS, keep=["leiomyosarcoma"]))
def test_drawing_geometry_is_clean(subtype, highlight):
    """No two node boxes intersect, labels hit no node or label, and every text lies inside the axes."""
    path = None
    if highlight:
        pathway = load_subtype(subtype)
        first = pathway.outgoing(pathway.initial)[0]
        path = GIST_PATH if subtype == "gist" else [pathway.initial, first.target]
    ax = draw_pathway(load_subtype(subtype), highlight=path)
    nodes, labels, texts, axes_box = extents(ax)
    assert len([n for n in nodes if not n.startswith("node:decision")]) == len(load_subtype(subtype).states)
    assert_clean_geometry(nodes, labels, texts, axes_box)


@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS, keep=["leiomyosarcoma"]))
def test_node_text_fits_inside_its_box(subtype):
    """Each state's title and regimen detail lie inside the state's box."""
    ax = draw_pathway(load_subtype(subtype))
    renderer = ax.figure.canvas.get_renderer()
    boxes = {p.get_gid()[5:]: p.get_window_extent(renderer) for p in ax.patches
             if (p.get_gid() or "").startswith("node:")}
    for t in ax.texts:
        gid = t.get_gid() or ""
        if gid.startswith(("title:", "detail:")):
            assert inside(t.get_window_extent(renderer), boxes[gid.split(":", 1)[1]], tolerance=1), gid


# which pathway does not matter to saving: the default run saves a small one
@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS, keep=["dfsp"]))
@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_pathway_saves_in_every_format(tmp_path, subtype, fmt):
    """Each pathway writes a PNG, SVG and PDF (warnings are errors in this suite)."""
    target = tmp_path / f"{subtype}.{fmt}"
    save_pathway_drawing(load_subtype(subtype), target, dpi=40)
    assert target.read_bytes().startswith(SIGNATURES[fmt])
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_svg_output_is_reproducible(tmp_path):
    """The same pathway drawn twice gives byte-identical SVG (no date stamped in)."""
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    save_pathway_drawing(load_subtype("sft"), a)
    save_pathway_drawing(load_subtype("sft"), b)
    assert a.read_bytes() == b.read_bytes()


def test_highlight_that_is_not_a_path_names_the_missing_edge(tmp_path):
    """A highlight skipping a step is an error naming the two states, and writes nothing."""
    target = tmp_path / "gist.png"
    with pytest.raises(PathwayError, match="no transition from 'workup' to 'ripretinib'"):
        save_pathway_drawing(load_subtype("gist"), target, highlight=["workup", "ripretinib"])
    assert list(tmp_path.iterdir()) == []


def test_highlight_with_an_unknown_state_lists_the_known_ones():
    """An unknown state id in a highlight is an error naming it and the valid ids."""
    with pytest.raises(PathwayError, match=r"highlight\[1\].*unknown state 'imatinib'; expected one of workup"):
        draw_pathway(load_subtype("gist"), highlight=["workup", "imatinib"])
    with pytest.raises(PathwayError, match="expected at least one state id"):
        draw_pathway(load_subtype("gist"), highlight=[])


def test_highlighted_keys_follow_every_step():
    """The keys of a highlighted path are exactly the transitions between consecutive states."""
    g = build_graph(load_subtype("gist"))
    keys = highlighted_keys(g, ["workup", "imatinib_400", "resection", "imatinib_400"])
    expected = {k for a, b in [("workup", "imatinib_400"), ("imatinib_400", "resection"),
                               ("resection", "imatinib_400")] for k in g.get_edge_data(a, b)}
    assert keys == expected


def test_highlight_emphasises_the_path_and_fades_the_rest():
    """Path states get the highlight colour and step numbers; states off the path are faded."""
    from matplotlib.colors import to_hex

    from sarcoma_sim.pathways.draw import HIGHLIGHT_COLOUR
    ax = draw_pathway(load_subtype("gist"), highlight=GIST_PATH)
    patches = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert to_hex(patches["node:imatinib_400"].get_edgecolor()) == HIGHLIGHT_COLOUR.lower()
    assert patches["node:imatinib_400"].get_alpha() == 1.0
    assert patches["node:ripretinib"].get_alpha() < 0.5
    steps = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("steptext:")}
    assert steps["steptext:imatinib_400"] == "2,4"
    assert steps["steptext:regorafenib"] == "7"
    on = patches["edge:resection->imatinib_400"]
    off = patches["edge:ripretinib->trial_or_supportive_care"]
    assert on.get_linewidth() > off.get_linewidth() and off.get_alpha() < 0.5


def test_a_single_state_highlight_may_be_a_string():
    """``highlight="imatinib_400"`` marks that one state (not its letters)."""
    ax = draw_pathway(load_subtype("gist"), highlight="imatinib_400")
    steps = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("steptext:")}
    assert steps == {"steptext:imatinib_400": "1"}


def test_beyond_source_states_and_edges_are_dashed():
    """States and arrows beyond the source guideline are drawn dashed, the others solid."""
    ax = draw_pathway(load_subtype("gist"))
    patches = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert patches["node:avapritinib"].get_linestyle() not in ("-", "solid")
    assert patches["node:imatinib_400"].get_linestyle() in ("-", "solid")
    assert patches["edge:regorafenib->ripretinib"].get_linestyle() not in ("-", "solid")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("beyond the source guideline" in t for t in legend)


def test_title_sources_and_headers_are_drawn():
    """The drawing has the pathway's name, column headers, and every source in the footer."""
    pathway = load_subtype("gist")
    ax = draw_pathway(pathway)
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts["title"] == pathway.name
    assert {"header:Workup", "header:First line", "header:Fourth line", "header:End"} <= set(texts)
    footer = " ".join(texts["footer"].split())
    for source in pathway.sources.values():
        assert " ".join(source.citation.split()) in footer
    assert NOT_FOR_CLINICAL_USE in footer


def test_drawing_on_a_given_axes_returns_it_and_accepts_a_graph():
    """Like networkx's drawing functions: an ``ax`` given is drawn on and returned; a graph works too."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 5))
    ax = fig.add_subplot()
    assert draw_pathway(build_graph(load_subtype("dfsp")), ax=ax) is ax
    assert any((p.get_gid() or "") == "node:imatinib" for p in ax.patches)


def test_drawing_something_else_is_a_type_error():
    """Only a Pathway or its graph can be drawn."""
    with pytest.raises(TypeError, match="expected a Pathway"):
        draw_pathway({"id": "gist"})


@pytest.mark.parametrize("name", ["gist.bmp", "gist", "gist.png.txt"])
def test_unknown_suffix_is_an_error_and_writes_nothing(tmp_path, name):
    """A file name without .png/.svg/.pdf is refused before drawing; nothing is written."""
    with pytest.raises(PathwayError, match=r"expected a name ending in \.png, \.svg, \.pdf"):
        save_pathway_drawing(load_subtype("gist"), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_an_error(tmp_path):
    """A folder that does not exist is an OutputError, not a traceback, and leaves no file."""
    with pytest.raises(OutputError, match="cannot write output"):
        save_pathway_drawing(load_subtype("dfsp"), tmp_path / "missing" / "dfsp.png")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_leaves_the_previous_file_untouched(tmp_path, monkeypatch):
    """If saving fails midway, an existing drawing stays as it was and no temporary file remains."""
    from matplotlib.figure import Figure

    target = tmp_path / "dfsp.png"
    target.write_bytes(b"old")

    def broken(self, fname, **kwargs):
        with open(fname, "wb") as handle:
            handle.write(b"half")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(OutputError, match="No space left on device"):
        save_pathway_drawing(load_subtype("dfsp"), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["dfsp.png"]


def test_labels_with_special_characters_draw_literally(small_pathway_text):
    """Dollar signs, quotes, ampersands and non-ASCII in labels are drawn as written (no mathtext)."""
    text = small_pathway_text.replace("label: Drug A", 'label: "Drug $A$ & <B> \\"x\\" Schöffski"')
    ax = draw_pathway(parse_pathway(text))
    titles = [t.get_text() for t in ax.texts if (t.get_gid() or "") == "title:drug_a"]
    assert " ".join(titles[0].split()) == 'Drug $A$ & <B> "x" Schöffski'
    ax.figure.canvas.draw()


def test_importing_the_pathway_modules_does_not_import_matplotlib():
    """Only drawing imports matplotlib, inside its functions; saving (the command line's path) never imports pyplot."""
    code = ("import sys, sarcoma_sim.pathways.draw, sarcoma_sim.pathways.layout, sarcoma_sim.pathways.export\n"
            "import sarcoma_sim.cli.dispatch\n"
            "sarcoma_sim.cli.dispatch.build_parser()\n"
            "assert 'matplotlib' not in sys.modules, 'imported at start'\n"
            "from sarcoma_sim.pathways.draw import save_pathway_drawing\n"
            "from sarcoma_sim.pathways.load import load_subtype\n"
            "import os, tempfile\n"
            "save_pathway_drawing(load_subtype('dfsp'), os.path.join(tempfile.mkdtemp(), 'dfsp.png'))\n"
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"MPLBACKEND": "", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr


def test_if_chosen_arrows_name_the_option():
    """A drawn "if chosen" arrow names the option it stands for (by its drugs where they tell it apart)."""
    ax = draw_pathway(load_subtype("leiomyosarcoma"))
    labels = {t.get_gid(): " ".join(t.get_text().split()) for t in ax.texts
              if (t.get_gid() or "").startswith("label:")}
    assert labels["label:decision:2->trabectedin"] == "if trabectedin chosen"
    assert labels["label:decision:2->gemcitabine_docetaxel"] == "if gemcitabine + docetaxel chosen"
    assert labels["label:workup->doxorubicin_trabectedin"] == "start, if doxorubicin + trabectedin chosen"
    assert not [text for text in labels.values() if text.endswith(" if chosen") or text == "if chosen"]


def test_ntrk_arrows_name_the_attribute():
    """The NTRK branch's arrow reads "NTRK fusion positive", not a bare "positive", in every pathway
    that has the branch beside its own therapies."""
    from sarcoma_sim.pathways.layout import diagram_structure
    for subtype in SUBTYPE_IDS:
        graph = build_graph(load_subtype(subtype))
        labels = [" ".join(e.label.split()) for e in diagram_structure(graph).edges if e.label]
        assert not [label for label in labels if label.split(", ")[-1] == "positive"], subtype
        if subtype != "ntrk":
            assert any("NTRK fusion positive" in label for label in labels), subtype


@pytest.mark.parametrize("direction", ["right", "down"])
@pytest.mark.parametrize("highlight", [None, ("workup", "imatinib_400", "resection")])
def test_a_layout_beyond_the_page_room_does_not_fit_the_page(direction, highlight):
    """``page_room`` is what the page leaves a diagram: composed on a page, a layout is larger than
    the page by at least as much as it is larger than the room (so a panel is fitted against the
    room before the page is composed around it), with the highlighted path's line under the title."""
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.figure import _compose, page_room
    from sarcoma_sim.pathways.draw.measure import _TextMeasure

    graph, measure = build_graph(load_subtype("gist")), _TextMeasure()
    for page in [(13.33, 7.5), (8.27, 11.0)]:
        layout = diagram_layout(graph, measure, direction=direction)
        room = page_room(graph, layout, page, highlight=highlight, measure=measure, margin=0.2)
        _, natural = _compose(graph, highlight=highlight, page=page, measure=measure, margin=0.2,
                              direction=direction, size_only=True)
        assert natural[0] - page[0] >= layout.width - room[0] - 1e-9
        assert natural[1] - page[1] >= layout.height - room[1] - 1e-9
        assert 0 < room[0] < page[0] and 0 < room[1] < page[1]
        # without a layout, room for any: no less than with one
        any_room = page_room(graph, None, page, highlight=highlight, measure=measure, margin=0.2)
        assert any_room[0] >= room[0] and any_room[1] >= room[1]


def _column(direction: str, *stack):
    """A graph and layout of one band ("First line", 0-3 in along the lines) holding ``stack``:
    (id, line or None, kind) stacked 1 in apart across the lines, each 0.6 in deep."""
    import networkx as nx

    from sarcoma_sim.pathways.layout import Band, Box, Layout

    graph = nx.MultiDiGraph()
    boxes = {}
    for i, (node, line, kind) in enumerate(stack):
        graph.add_node(node, line=line, kind=kind)
        across = 0.5 + i * 1.0
        boxes[node] = (Box(node, "state", across, 1.5, 0.6, 1.0) if direction == "down"
                       else Box(node, "state", 1.5, across, 1.0, 0.6))
    layout = Layout(None, boxes, (), (Band("First line", ((0.0, 3.0),)),), {}, 3.0, 3.0, direction=direction)
    return graph, layout


@pytest.mark.parametrize("stack, expected", [
    # the imaging after a resection above the line's drugs: the band starts under it, header room above the drug
    ([("imaging", None, "assessment"), ("drug", 1, "therapy"), ("other", 1, "therapy")], (1.2 - 0.2 - 0.12, 9.0)),
    # a surgery below them: the band ends above it
    ([("drug", 1, "therapy"), ("other", 1, "therapy"), ("surgery", None, "surgery")], (-1.0, 1.8 + 0.06)),
    # a link box above the stray is left out with it; one below it stays in the band
    ([("link:a", None, "link"), ("surgery", None, "surgery"), ("link:b", None, "link"), ("drug", 1, "therapy")],
     (2.2 - 0.2 - 0.12, 9.0)),
    # a stray between the line's states: the band spans everything
    ([("drug", 1, "therapy"), ("imaging", None, "assessment"), ("other", 1, "therapy")], (-1.0, 9.0)),
    # no stray: the whole span
    ([("drug", 1, "therapy"), ("link:a", None, "link")], (-1.0, 9.0)),
])
def test_a_band_leaves_out_states_of_no_line_before_or_after_its_own(stack, expected):
    """Running right, a line's band stops short of a state of no line (surgery, imaging, an end)
    standing wholly above or below the line's states, so no heading names it as that line's."""
    from sarcoma_sim.pathways.draw.shapes import band_extent

    graph, layout = _column("right", *stack)
    assert band_extent(graph, layout, layout.bands[0], (-1.0, 9.0), 0.2) == pytest.approx(expected)


def _two_columns(*columns, direction: str = "right"):
    """A graph and layout of one band ("First line") over two columns (rows, drawn down), 0-3 and
    3-6 in along the lines, each holding its stack of (id, line or None, kind), 1 in apart across,
    0.6 in deep."""
    import networkx as nx

    from sarcoma_sim.pathways.layout import Band, Box, Layout

    graph, boxes = nx.MultiDiGraph(), {}
    for c, stack in enumerate(columns):
        for i, (node, line, kind) in enumerate(stack):
            graph.add_node(node, line=line, kind=kind)
            along, across = 1.5 + 3.0 * c, 0.5 + i * 1.0
            boxes[node] = (Box(node, "state", across, along, 0.6, 1.0, c) if direction == "down"
                           else Box(node, "state", along, across, 1.0, 0.6, c))
    band = Band("First line", ((0.0, 3.0), (3.0, 6.0)))
    return graph, Layout(None, boxes, (), (band,), {}, 6.0, 3.0, direction=direction)


def test_a_row_drawn_down_ends_short_of_its_own_stray():
    """Drawn down, a band of two rows: the row whose imaging stands at its right end stops short of
    it, the other row runs on under the drug beyond it (the rows' headers stay at the left)."""
    from sarcoma_sim.pathways.draw.shapes import band_shape

    graph, layout = _two_columns(
        [("drug", 1, "therapy"), ("imaging", None, "assessment")],
        [("other", 1, "therapy"), ("third", 1, "therapy"), ("fourth", 1, "therapy")], direction="down")
    shape = band_shape(graph, layout, layout.bands[0], (-1.0, 9.0), 0.0)
    pieces = ((0.0, 3.0, -1.0, 0.8 + 0.06), (3.0, 6.0, -1.0, 9.0))
    assert [pytest.approx(p) for p in pieces] == list(shape.pieces)


def test_a_band_leaves_out_states_of_no_line_column_by_column():
    """GIST's third slide: a resection above the drugs of one column and the imaging below the drug
    of the next leave the band stepped, each column short of its own, the header over the column
    that starts first."""
    from sarcoma_sim.pathways.draw.shapes import band_shape

    graph, layout = _two_columns(
        [("resection", None, "surgery"), ("reduced", 1, "therapy"), ("adjuvant", 1, "therapy")],
        [("escalated", 1, "therapy"), ("other", 1, "therapy"), ("imaging", None, "assessment")])
    shape = band_shape(graph, layout, layout.bands[0], (-1.0, 9.0), 0.2)
    pieces = ((0.0, 3.0, 1.2 - 0.2 - 0.12, 9.0), (3.0, 6.0, -1.0, 1.8 + 0.06))
    assert [pytest.approx(p) for p in pieces] == list(shape.pieces)
    assert shape.header == pytest.approx((4.5, -1.0))
    # the outline runs along the starts, then back along the ends
    corners = [(0.0, 0.88), (3.0, 0.88), (3.0, -1.0), (6.0, -1.0), (6.0, 1.86), (3.0, 1.86), (3.0, 9.0), (0.0, 9.0)]
    assert [pytest.approx(c) for c in corners] == shape.outline()


@pytest.mark.parametrize("columns", [
    # strays before the line's states in both columns together: one piece, as ``band_extent`` gives
    ([("resection", None, "surgery"), ("drug", 1, "therapy")],
     [("imaging", None, "assessment"), ("other", 1, "therapy")]),
    # no stray: one piece, the whole span
    ([("drug", 1, "therapy")], [("other", 1, "therapy")]),
])
def test_a_band_is_one_piece_where_its_columns_agree(columns):
    """Where every column of a band stops short alike, or none does, the band is one rectangle."""
    from sarcoma_sim.pathways.draw.shapes import band_extent, band_shape

    graph, layout = _two_columns(*columns)
    band = layout.bands[0]
    start, end = band_extent(graph, layout, band, (-1.0, 9.0), 0.2)
    shape = band_shape(graph, layout, band, (-1.0, 9.0), 0.2)
    assert shape.pieces == ((0.0, 6.0, start, end),) and shape.header == (3.0, start)


def test_a_column_whose_stray_stands_between_its_drugs_keeps_the_full_span():
    """A column with a state of no line between its line's states keeps the band's whole span; the
    column beside it still stops short of its own stray."""
    from sarcoma_sim.pathways.draw.shapes import band_shape

    graph, layout = _two_columns(
        [("drug", 1, "therapy"), ("imaging", None, "assessment"), ("other", 1, "therapy")],
        [("escalated", 1, "therapy"), ("surgery", None, "surgery")])
    shape = band_shape(graph, layout, layout.bands[0], (-1.0, 9.0), 0.2)
    assert [pytest.approx(p) for p in ((0.0, 3.0, -1.0, 9.0), (3.0, 6.0, -1.0, 0.8 + 0.06))] == list(shape.pieces)
    assert shape.header == pytest.approx((1.5, -1.0))
    # the stray between the drugs stands in a hole of its column's piece, the drugs shaded round it
    assert [pytest.approx(h) for h in ((0.0, 3.0, 1.5 - 0.3 - 0.06, 1.5 + 0.3 + 0.06),)] == list(shape.holes)
    assert not shape.shades(1.5, 1.5) and shape.shades(1.5, 0.5) and shape.shades(1.5, 2.5)


@pytest.mark.parametrize("direction, stack, hole", [
    # drawn down, a surgery at a row's left end (GIST's resection of the localised primary)
    ("down", [("surgery", None, "surgery"), ("drug", 1, "therapy"), ("other", 1, "therapy")], 0.5),
    # drawn down, between two drugs (TGCT's surgical resection)
    ("down", [("drug", 1, "therapy"), ("surgery", None, "surgery"), ("other", 1, "therapy")], 1.5),
    # drawn right, imaging between two drugs
    ("right", [("drug", 1, "therapy"), ("imaging", None, "assessment"), ("other", 1, "therapy")], 1.5),
])
def test_a_state_of_no_line_among_a_lines_states_stands_outside_its_shade(direction, stack, hole):
    """A state of no line that the band cannot stop short of stands in a hole of the band's shade
    (its box and a gap each side across, its whole column along): never shaded as that line's."""
    from sarcoma_sim.pathways.draw.shapes import band_shape

    graph, layout = _column(direction, *stack)
    shape = band_shape(graph, layout, layout.bands[0], (-1.0, 9.0), 0.0)
    assert shape.pieces == ((0.0, 3.0, -1.0, 9.0),)
    half = 0.3 + 0.06
    assert [pytest.approx(h) for h in ((0.0, 3.0, hole - half, hole + half),)] == list(shape.holes)
    stray = next(i for i, (_, line, _) in enumerate(stack) if line is None)
    for i in range(len(stack)):
        assert shape.shades(1.5, 0.5 + i) is (i != stray)


def _row_colours(graph, layout, width: float):
    """The rows of ``layout`` (drawn down) shaded alone with Agg, as the PNG is, on axes from -1 to
    ``width`` across and 0 to 3 along: a function from (across, along) to that pixel's RGB."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sarcoma_sim.pathways.draw.shapes import _draw_rows
    from sarcoma_sim.pathways.draw.style import READABLE_TYPOGRAPHY

    figure = Figure(figsize=(width + 1, 3), dpi=50)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1, width), ax.set_ylim(3, 0), ax.axis("off")
    _draw_rows(ax, graph, layout, 0.0, 0.0, 1.0, READABLE_TYPOGRAPHY)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())

    def colour(across: float, along: float) -> tuple:
        x, y = ax.transData.transform((across, along))
        return tuple(pixels[int(pixels.shape[0] - y), int(x), :3])

    return colour


def test_a_hole_in_a_row_is_drawn_white():
    """Drawn (Agg, as the PNG is), a row's shade leaves its hole unfilled: the pixel where the
    surgery stands is the page's white, the drugs' the row's grey, the heading's column shaded."""
    graph, layout = _column("down", ("drug", 1, "therapy"), ("surgery", None, "surgery"), ("other", 1, "therapy"))
    colour = _row_colours(graph, layout, 3.0)
    shade = (0xF2, 0xF4, 0xF7)
    assert colour(1.5, 0.3) == (255, 255, 255)
    assert colour(0.5, 0.3) == shade and colour(2.5, 0.3) == shade and colour(-0.9, 0.3) == shade


def test_holes_that_meet_are_one_and_drawn_white():
    """Two states of no line side by side in a row, closer than their gaps: one hole, white where
    their gaps overlap (two holes over one spot would be shaded again)."""
    from sarcoma_sim.pathways.draw.shapes import band_shape
    from sarcoma_sim.pathways.layout import Box

    graph, layout = _column("down", ("drug", 1, "therapy"), ("surgery", None, "surgery"),
                            ("imaging", None, "assessment"), ("other", 1, "therapy"))
    # the imaging 0.65 in from the surgery (0.6 wide each): their gaps of 0.06 overlap
    boxes = dict(layout.boxes, imaging=Box("imaging", "state", 2.15, 1.5, 0.6, 1.0),
                 other=Box("other", "state", 3.2, 1.5, 0.6, 1.0))
    layout = type(layout)(None, boxes, (), layout.bands, {}, 4.0, 3.0, direction="down")
    shape = band_shape(graph, layout, layout.bands[0], (-1.0, 9.0), 0.0)
    assert [pytest.approx(h) for h in ((0.0, 3.0, 1.5 - 0.36, 2.15 + 0.36),)] == list(shape.holes)
    assert _row_colours(graph, layout, 4.0)(1.825, 0.3) == (255, 255, 255)   # where the two gaps overlap


def test_a_row_drawn_down_ends_short_only_on_the_right():
    """Running down the headers stand at the left: a state of no line at a row's right end is left
    out of it, one at its left end is not (the row would part from its header: it stands in a
    hole of the row instead, below)."""
    from sarcoma_sim.pathways.draw.shapes import band_extent

    graph, layout = _column("down", ("drug", 1, "therapy"), ("end", None, "terminal"))
    assert band_extent(graph, layout, layout.bands[0], (-1.0, 9.0), 0.0) == pytest.approx((-1.0, 0.8 + 0.06))
    graph, layout = _column("down", ("surgery", None, "surgery"), ("drug", 1, "therapy"))
    assert band_extent(graph, layout, layout.bands[0], (-1.0, 9.0), 0.0) == (-1.0, 9.0)


def test_a_state_of_no_line_above_a_lines_drug_leaves_room_for_its_header():
    """Epithelioid sarcoma's second slide drawn right: the imaging after a resection stands above the
    second line's drugs in their column, outside the band, the band's header between them."""
    from sarcoma_sim.pathways.draw import PRESETS, preset_panels
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.draw.shapes import band_extent
    from sarcoma_sim.pathways.layout.text import wrap_widths

    preset, measure = PRESETS["slide"], _TextMeasure()
    panel = next(p for p in preset_panels(load_subtype("epithelioid_sarcoma"), preset)
                 if "post_resection_surveillance" in p.states and "tazemetostat_second_line" in p.states)
    with wrap_widths(*(panel.wraps or (*preset.wraps, None))[:3], link=(panel.wraps or (None,) * 4)[3]):
        layout = diagram_layout(panel.graph, measure, preset.typography, preset.spacing_for("right"), "right")
    header = measure("First line", preset.typography.header, "bold")[1]
    band = next(b for b in layout.bands if b.title == "Second line")
    start, _ = band_extent(panel.graph, layout, band, (-10.0, 10.0), header)
    imaging, drug = layout.boxes["post_resection_surveillance"], layout.boxes["tazemetostat_second_line"]
    assert imaging.bottom < start < start + header < drug.top


def test_adjuvant_therapy_is_drawn_outside_the_first_line():
    """GIST's whole drawing: adjuvant imatinib has its own colour and legend entry, and no line's
    band spans it (it treats no advanced disease), though its data keep line 1 for the course."""
    from matplotlib.colors import to_hex

    from sarcoma_sim.pathways.colours import ADJUVANT_COLOURS, LINE_COLOURS
    from sarcoma_sim.pathways.draw.diagram import diagram_layout

    graph = build_graph(load_subtype("gist"))
    assert graph.nodes["adjuvant_imatinib"]["line"] == 1
    ax = draw_pathway(graph)
    patches = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert to_hex(patches["node:adjuvant_imatinib"].get_facecolor()) == ADJUVANT_COLOURS[1].lower()
    assert to_hex(patches["node:imatinib_400"].get_facecolor()) == LINE_COLOURS[0][1].lower()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "therapy, adjuvant" in legend and "therapy, first line" in legend
    layout = diagram_layout(graph)
    box = layout.boxes["adjuvant_imatinib"]
    assert not [b.title for b in layout.bands if b.title.endswith("line") and b.left <= box.x <= b.right]


def test_an_adjuvant_therapy_is_a_state_of_no_line_in_the_drawing():
    """``drawn_line``: a therapy's line, none for adjuvant therapy; so a column of adjuvant therapy
    alone gets no line's heading, and beside a line's states it stands outside their band."""
    import networkx as nx

    from sarcoma_sim.pathways.layout import drawn_line, is_stray, layered_layout

    assert drawn_line({"line": 2}) == 2 and drawn_line({"line": 1, "adjuvant": True}) is None
    graph = nx.MultiDiGraph(initial="resection")
    graph.add_node("resection", kind="surgery", label="Resection", line=None)
    graph.add_node("adjuvant", kind="therapy", label="Adjuvant drug", line=1, adjuvant=True)
    graph.add_node("drug", kind="therapy", label="Drug", line=1)
    graph.add_edge("resection", "adjuvant", key=0, event="resected")
    graph.add_edge("adjuvant", "drug", key=1, event="recurrence")
    assert is_stray(graph, "adjuvant") and not is_stray(graph, "drug")
    layout = layered_layout(graph)
    titles = {b.title: (b.left, b.right) for b in layout.bands}
    left, right = titles["First line"]
    assert left <= layout.boxes["drug"].x <= right and not left <= layout.boxes["adjuvant"].x <= right


def test_svg_hover_names_adjuvant_therapy_as_adjuvant():
    """A saved drawing's hover title says adjuvant imatinib is adjuvant, first-line imatinib line 1."""
    from sarcoma_sim.pathways.svg import state_descriptions

    described = state_descriptions(build_graph(load_subtype("gist")))["states"]
    assert "(adjuvant)" in described["adjuvant_imatinib"]["title"]
    assert "(line" not in described["adjuvant_imatinib"]["title"]
    assert "(line 1)" in described["imatinib_400"]["title"]
