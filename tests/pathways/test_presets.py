"""Tests of the slide and page presets: type size as rendered, geometry, linked panels, SVG structure."""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET

import pytest

from sarcoma_sim.pathways.draw import PRESETS, preset_drawings, preset_panels, save_figure, save_pathway_drawing
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout import node_text
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_pathway, load_subtype

from helpers.geometry import GIST_PATH, assert_clean_geometry, extents, inside
from helpers.paths import TEST_DATA

SVG = "{http://www.w3.org/2000/svg}"
MIN_PT = 12
# Every subtype at every preset runs with -m slow (CI); the default run keeps one small pathway that
# still needs several panels on a slide (GIST, the largest, takes seconds per case).
REPRESENTATIVE = ("asps", "slide")
MATRIX = [pytest.param(subtype, preset, id=f"{subtype}-{preset}",
                       marks=() if (subtype, preset) == REPRESENTATIVE else pytest.mark.slow)
          for subtype in SUBTYPE_IDS for preset in sorted(PRESETS)]
@functools.lru_cache(maxsize=2)
def drawings(subtype: str, preset: str) -> tuple:
    """A subtype's panels and figures at a preset (GIST with the gallery path highlighted), drawn once
    for the tests that only inspect them."""
    path = tuple(GIST_PATH) if subtype == "gist" else None
    return tuple(preset_drawings(load_subtype(subtype), PRESETS[preset], highlight=path))


def font_of(style: str) -> tuple[float, str]:
    """(size in px, font family list) of an SVG text style, written either as font-size and
    font-family or as the CSS ``font`` shorthand (both valid SVG; matplotlib releases differ)."""
    size = re.search(r"font-size: ([0-9.]+)px", style)
    if size:
        return float(size.group(1)), re.search(r"font-family: ([^;]+)", style).group(1).strip()
    short = re.search(r"font: (?:[^;]*? )?([0-9.]+)px ([^;]+)", style)
    assert short, style
    return float(short.group(1)), short.group(2).strip()


def rendered_sizes(svg_bytes: bytes, preset) -> list[float]:
    """Every text's size in points once the SVG's canvas is fitted onto the preset's page."""
    root = ET.fromstring(svg_bytes)
    width_pt = float(root.get("width").removesuffix("pt"))
    height_pt = float(root.get("height").removesuffix("pt"))
    scale = min(1.0, preset.width * 72 / width_pt, preset.height * 72 / height_pt)
    sizes = []
    for text in root.iter(f"{SVG}text"):
        sizes.append(font_of(text.get("style", ""))[0] * scale)
    return sizes


@pytest.mark.parametrize("subtype, preset", MATRIX)
def test_no_rendered_text_below_12_pt(tmp_path, subtype, preset):
    """At each preset, every panel's smallest text, fitted to the page, is at least 12 pt."""
    smallest = {}
    for panel, figure in drawings(subtype, preset):
        path = tmp_path / f"{subtype}-{panel.number}.svg"
        save_figure(figure, path, "svg")
        smallest[path.name] = min(rendered_sizes(path.read_bytes(), PRESETS[preset]))
    assert all(size >= MIN_PT - 1e-6 for size in smallest.values()), smallest


@pytest.mark.parametrize("subtype, preset", MATRIX)
def test_preset_panels_fit_the_page(subtype, preset):
    """Every panel's canvas is exactly the preset's page: nothing was too large for it."""
    p = PRESETS[preset]
    for _, figure in drawings(subtype, preset):
        assert tuple(round(v, 3) for v in figure.get_size_inches()) == (round(p.width, 3), round(p.height, 3))


@pytest.mark.parametrize("subtype, preset", MATRIX)
def test_preset_geometry_is_clean(subtype, preset):
    """Every preset and panel: no box overlaps, no label on a box or label, text inside its box and the page."""
    for _, figure in drawings(subtype, preset):
        ax = figure.axes[0]
        nodes, labels, texts, axes_box = extents(ax)
        assert_clean_geometry(nodes, labels, texts, axes_box)
        renderer = figure.canvas.get_renderer()
        for t in ax.texts:
            gid = t.get_gid() or ""
            if gid.startswith(("title:", "detail:")):
                assert inside(t.get_window_extent(renderer), nodes["node:" + gid.split(":", 1)[1]], tolerance=1), gid


@pytest.mark.parametrize("subtype, preset", MATRIX)
def test_panels_show_every_state_once_and_every_transition(subtype, preset):
    """Across the panels each non-end state is shown once (its own box, or a dose reduction listed
    in its drug's box), every transition drawn or folded, links name the right panel."""
    graph = build_graph(load_subtype(subtype))
    panels = [panel for panel, _ in drawings(subtype, preset)]
    home = {}
    edges = []
    folded = set()
    for panel in panels:
        for node, attrs in panel.graph.nodes(data=True):
            if attrs.get("link_of") is None and attrs.get("kind") != "terminal":
                for shown in [node, *(attrs.get("folded") or ())]:
                    assert shown not in home, shown
                    home[shown] = panel.number
        edges += [k for *_, k in panel.graph.edges(keys=True)]
        folded.update(panel.graph.graph.get("folded_transitions") or ())
    assert set(home) == {n for n, d in graph.nodes(data=True) if d["kind"] != "terminal"}
    # a transition between panels is drawn on both: leaving one, entering the other
    assert set(edges) | folded == {k for *_, k in graph.edges(keys=True)}
    assert not folded.intersection(edges)
    for panel in panels:
        for node, attrs in panel.graph.nodes(data=True):
            if attrs.get("link_of") is not None:
                for state, where, row in zip(attrs["link_of"], attrs["link_panels"], attrs["link_rows"]):
                    assert where == home[state] != panel.number
                    assert f"(panel {where})" in row


@pytest.mark.slow
def test_gist_is_cut_into_linked_panels_that_each_fit():
    """GIST (27 states), too large for one slide at 12 pt, becomes at most 10 panels, each owning some
    of its states, its dose reductions for toxicity listed in their drug's box."""
    panels = preset_panels(load_subtype("gist"), PRESETS["slide"])
    assert 1 < len(panels) <= 10
    assert all(p.count == len(panels) and p.states for p in panels)
    regorafenib = next(p.graph.nodes["regorafenib"] for p in panels if "regorafenib" in p.states)
    assert regorafenib["folded"] == ["regorafenib_120_reduced", "regorafenib_80_reduced"]


def test_small_pathways_fit_few_slides():
    """The smallest pathway (EMC, seven states) fits two slides; the small ones at most three."""
    # Since every pathway gained an NTRK branch (issue 9) and repotrectinib after it (issue 18), even
    # the smallest need a second panel at 12 pt; DFSP and PEComa grew surgery and nab-sirolimus.
    assert len(preset_panels(load_subtype("emc"), PRESETS["slide"])) == 2
    for subtype in ("dfsp", "pecoma", "sft", "imt"):
        assert len(preset_panels(load_subtype(subtype), PRESETS["slide"])) <= 3, subtype


@pytest.mark.slow
def test_panel_arrow_labels_keep_their_meaning_from_the_whole_pathway():
    """An "otherwise" whose conditioned sibling is on another panel still reads "otherwise"."""
    graph = build_graph(load_subtype("gist"))
    from sarcoma_sim.pathways.layout import condition_phrase
    for panel in preset_panels(graph, PRESETS["page"]):
        for u, v, k in panel.graph.edges(keys=True):
            original = next((a, b) for a, b, kk in graph.edges(keys=True) if kk == k)
            assert condition_phrase(panel.graph, u, v, k) == condition_phrase(graph, *original, k, name_option=True)


def svg_root(path):
    return ET.fromstring(path.read_bytes())


@pytest.fixture(scope="module")
def gist_svg(tmp_path_factory):
    """GIST with the gallery patient's path highlighted, drawn once for the SVG structure tests."""
    out = tmp_path_factory.mktemp("svg") / "gist.svg"
    return save_pathway_drawing(build_graph(load_subtype("gist")), out, highlight=GIST_PATH)[0]


def test_svg_text_is_text_in_named_fonts_with_a_fallback(gist_svg):
    """The SVG holds <text> elements (editable, searchable) naming DejaVu Sans and generic sans-serif."""
    texts = list(svg_root(gist_svg).iter(f"{SVG}text"))
    assert len(texts) > 50
    assert any("Imatinib" in (t.text or "") for t in texts)
    family = font_of(texts[0].get("style"))[1]
    assert "'DejaVu Sans'" in family and "Arial" in family and family.endswith("sans-serif")
    hrefs = [u.get("{http://www.w3.org/1999/xlink}href") or "" for u in svg_root(gist_svg).iter(f"{SVG}use")]
    assert not [h for h in hrefs if h.startswith("#DejaVu")], "glyphs drawn as outlines"


def test_svg_states_are_titled_groups_and_the_path_is_classed(gist_svg):
    """Each state is one <g id="state-..."> titled with regimen, dose and sources; the path is class on-path."""
    graph = build_graph(load_subtype("gist"))
    root = svg_root(gist_svg)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("state-")}
    assert set(groups) == {f"state-{n}" for n in graph.nodes}
    title = groups["state-imatinib_400"].find(f"{SVG}title").text
    assert "Imatinib 400 mg daily" in title and "s0033: S0033 / CALGB 150105" in title
    assert groups["state-imatinib_400"].find(f".//{SVG}text") is not None
    assert "on-path" in groups["state-regorafenib"].get("class").split()
    assert "on-path" not in groups["state-ripretinib"].get("class").split()
    classed = {g.get("id"): g.get("class") for g in root.iter(f"{SVG}g") if g.get("class")}
    assert classed["edge:imatinib_400->resection"] == "transition on-path"
    assert classed["edge:regorafenib->ripretinib"] == "transition"


def test_svg_state_title_gives_the_dose_whole_where_the_box_leaves_the_route_out(gist_svg):
    """A box whose label says the dose shows no regimen line, but its hover title gives the dose as written."""
    graph = build_graph(load_subtype("gist"))
    assert node_text(graph.nodes["repotrectinib"])[1] is None
    groups = {g.get("id"): g for g in svg_root(gist_svg).iter(f"{SVG}g") if (g.get("id") or "").startswith("state-")}
    title = " ".join(groups["state-repotrectinib"].find(f"{SVG}title").text.split())
    assert "Repotrectinib 160 mg once daily for 14 days" in title and "160 mg orally once daily for 14 days" in title


def test_svg_decision_diamonds_are_titled_groups(gist_svg):
    """A decision diamond is a <g id="decision-N" class="decision"> holding its shape, titled with the
    states that share the choice and where each branch goes (as states are)."""
    root = svg_root(gist_svg)
    decisions = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("decision-")]
    assert [g.get("class") for g in decisions] == ["decision"] * len(decisions) and decisions
    titles = [" ".join(g.find(f"{SVG}title").text.split()) for g in decisions]
    sunitinib = next(t for t in titles if "Sunitinib 37.5 mg continuous daily" in t)
    assert sunitinib.startswith("Decision shared by ") and "Imatinib escalated to 800 mg daily" in sunitinib
    assert "if sunitinib 37.5 mg continuous daily chosen: Sunitinib 37.5 mg continuous daily" in sunitinib
    assert "default: Sunitinib 50 mg" in sunitinib
    assert all(g.find(f".//{SVG}path") is not None for g in decisions)


@pytest.mark.slow
def test_slide_svg_is_byte_reproducible(tmp_path):
    """The same pathway at the slide preset, drawn twice, gives identical SVG files."""
    # ASPS: a small pathway that still needs several panels, so the default run stays fast
    # (IMT, used before, fits one slide since its crizotinib reduction folds into crizotinib's box)
    a = save_pathway_drawing(load_subtype("asps"), tmp_path / "a.svg", size="slide")
    b = save_pathway_drawing(load_subtype("asps"), tmp_path / "b.svg", size="slide")
    assert len(a) > 1
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


@pytest.mark.slow
def test_a_multi_panel_pdf_is_one_file_with_a_page_per_panel(tmp_path):
    """At a preset, a PDF holds every panel as a page of one file; SVG panels are numbered files."""
    pdf = save_pathway_drawing(load_subtype("asps"), tmp_path / "asps.pdf", size="page")
    assert pdf == [tmp_path / "asps.pdf"]
    count = len(preset_panels(load_subtype("asps"), PRESETS["page"]))
    assert count > 1
    assert pdf[0].read_bytes().count(b"/Type /Page\n") + pdf[0].read_bytes().count(b"/Type /Page ") >= count
    svgs = save_pathway_drawing(load_subtype("asps"), tmp_path / "asps.svg", size="page")
    assert [p.name for p in svgs] == [f"asps-{i}.svg" for i in range(1, count + 1)]


def test_panels_left_by_an_earlier_longer_drawing_are_removed(tmp_path):
    """Drawn again into fewer panels, the target's later numbered panels from before are removed
    (a folder of slides must not keep a stale last slide); other files, and a numbered file after
    a gap, stay."""
    count = len(preset_panels(load_subtype("asps"), PRESETS["slide"]))
    stale = [tmp_path / f"asps-{count + 1}.svg", tmp_path / f"asps-{count + 2}.svg"]
    kept = [tmp_path / f"asps-{count + 4}.svg", tmp_path / "asps.svg", tmp_path / f"other-{count + 1}.svg"]
    for path in stale + kept:
        path.write_text("<svg/>")
    paths = save_pathway_drawing(load_subtype("asps"), tmp_path / "asps.svg", size="slide")
    assert len(paths) == count > 1
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept + paths)


def test_svg_link_boxes_are_titled_with_their_rows(tmp_path):
    """On a panel's SVG, a link box is a <g class="link"> whose title lists where its arrows go, not
    the title of the state it follows."""
    paths = save_pathway_drawing(load_subtype("asps"), tmp_path / "asps.svg", size="slide")
    root = svg_root(paths[0])
    links = {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("state-link_")}
    assert links and all(g.get("class").split()[0] == "link" for g in links.values())
    # Where the panels are cut depends on the installed fonts' measurements, so any link box will do.
    titles = [g.find(f"{SVG}title").text for g in links.values()]
    labels = {str(attrs.get("label")) for _, attrs in build_graph(load_subtype("asps")).nodes(data=True)}
    for title in titles:
        heading, *rows = title.split("\n")
        assert heading in ("Continues on other panels:", "Entered from other panels:") and rows
        assert all(re.search(r"\(panel \d+\)", row) for row in rows), rows
        assert heading != "Continues on other panels:" or all(any(label in row for label in labels) for row in rows)


FOLDING = TEST_DATA / "fold_reductions.yaml"


@pytest.fixture(scope="module")
def folded_svg(tmp_path_factory):
    """The synthetic drug with two dose reductions at the slide preset, its patient on the second step."""
    pathway = load_pathway(FOLDING)
    out = tmp_path_factory.mktemp("fold") / "fold.svg"
    return save_pathway_drawing(pathway, out, highlight=["workup", "drug_x", "step_one", "step_two"], size="slide")


def test_folded_box_lists_its_reductions_in_the_svg(folded_svg):
    """The drug's box keeps its id, names the folded states in data-folded and its title, with their
    regimen, dose and sources; a path through a folded state highlights the drug's box."""
    assert len(folded_svg) == 1
    root = svg_root(folded_svg[0])
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("state-")}
    assert "state-step_one" not in groups and "state-step_two" not in groups
    box = groups["state-drug_x"]
    assert box.get("data-folded") == "step_one step_two"
    assert "on-path" in box.get("class").split()
    title = box.find(f"{SVG}title").text
    assert "Drug X reduced to 120 mg daily" in title and "120 mg daily" in title
    assert "Drug X reduced to 80 mg daily" in title and "label-x: Drug X label: dose reductions" in title
    assert "step_one" not in title  # states named by label; ids only in data-folded
    texts = " ".join(" ".join((t.text or "").split()) for t in root.iter(f"{SVG}text"))
    assert "toxicity: 120 mg, then 80 mg daily" in texts
    assert "Dose reductions for toxicity are listed in the drug's box." in texts
    assert "label-x" in texts  # the folded states' source is cited in the footer


def test_folding_is_only_at_the_presets(tmp_path):
    """The drawing at its own size keeps every dose reduction as a box of its own, and no folding note."""
    paths = save_pathway_drawing(load_pathway(FOLDING), tmp_path / "fold.svg")
    root = svg_root(paths[0])
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert {"state-step_one", "state-step_two", "state-drug_x"} <= ids
    texts = " ".join((t.text or "") for t in root.iter(f"{SVG}text"))
    assert "listed in the drug" not in texts and "toxicity:" not in texts


def test_no_folding_note_where_nothing_folds(tmp_path):
    """A pathway with no dose reduction (every shipped one has some) says nothing about folded reductions."""
    from helpers.fake_cohort import demo_pathway

    paths = save_pathway_drawing(demo_pathway(), tmp_path / "demo.svg", size="slide")
    texts = " ".join((t.text or "") for p in paths for t in svg_root(p).iter(f"{SVG}text"))
    assert "listed in the drug" not in texts


def test_a_panel_takes_linked_states_together():
    """Filling a panel prefers a state linked to it, then one linked to nothing still to place,
    else the next in column order."""
    from sarcoma_sim.pathways.draw.cut import _next_choice
    from sarcoma_sim.pathways.fold import drawing_graph, fold_reductions

    graph = fold_reductions(drawing_graph(load_subtype("gist")))
    first_line = ["imatinib_400", "imatinib_800_exon9", "ntrk_inhibitor", "imatinib_300_reduced", "resection",
                  "imatinib_800_escalated", "imatinib_600_reduced"]
    # avapritinib links to none of them; NTRK's inhibitor links to no state still to place
    assert _next_choice(graph, ["avapritinib"], first_line) == "ntrk_inhibitor"
    # imatinib 400's reduction and resection link to it; the reduction comes first in column order
    rest = [s for s in first_line if s not in ("imatinib_400", "ntrk_inhibitor")]
    assert _next_choice(graph, ["imatinib_400"], rest) == "imatinib_300_reduced"
    # nothing linked, nothing free: the next in column order
    assert _next_choice(graph, ["avapritinib"], ["imatinib_400", "imatinib_800_exon9"]) == "imatinib_400"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_panels_drawn_down_fit_the_page_with_text_of_12_pt(tmp_path, preset):
    """Drawn top to bottom (lines of therapy as rows), every panel fits the preset and no text is under 12 pt."""
    p = PRESETS[preset]
    drawn = preset_drawings(load_subtype("asps"), p, direction="down")
    for panel, figure in drawn:
        assert tuple(round(v, 3) for v in figure.get_size_inches()) == (round(p.width, 3), round(p.height, 3))
        path = tmp_path / f"asps-{panel.number}.svg"
        save_figure(figure, path, "svg")
        assert min(rendered_sizes(path.read_bytes(), p)) >= MIN_PT - 1e-6
        headers = [t.get_text() for t in figure.axes[0].texts if (t.get_gid() or "").startswith("header:")]
        # the row headers stand at the left of the diagram, one per line of therapy shown
        # (a box or a decision diamond: the leftmost corner of its outline, in inches)
        lefts = [b.get_patch_transform().transform(b.get_path().vertices)[:, 0].min()
                 for b in figure.axes[0].patches if (b.get_gid() or "").startswith("node:")]
        assert headers and all(t.get_position()[0] < min(lefts) for t in
                               figure.axes[0].texts if (t.get_gid() or "").startswith("header:"))


def test_sizing_a_panel_measures_exactly_what_drawing_it_gives():
    """Fitting by size alone gives the drawn size (to 1e-9 in), for panels and a highlighted drawing."""
    from sarcoma_sim.pathways.draw.figure import _compose
    from sarcoma_sim.pathways.layout.text import wrap_widths

    preset = PRESETS["slide"]
    compared = 0
    for panel, _ in drawings(*REPRESENTATIVE):
        title, detail, label, link = panel.wraps or (*preset.wraps, None)
        with wrap_widths(title, detail, label, link=link):
            options = dict(title="ASPS (panel 9 of 9)", typography=preset.typography, margin=preset.margin,
                           page=(preset.width, preset.height), spacing=preset.spacing_for("right"))
            drawn = _compose(panel.graph, None, None, **options)
            sized = _compose(panel.graph, None, None, size_only=True, **options)
        assert sized[0] is None and sized[1] == pytest.approx(drawn[1], abs=1e-9)
        compared += 1
    pathway = load_subtype("imt")
    path = [pathway.initial, *list(build_graph(pathway).successors(pathway.initial))[:1]]
    assert _compose(pathway, None, path, size_only=True)[1] == pytest.approx(_compose(pathway, None, path)[1], abs=1e-9)
    assert compared >= 2


@pytest.mark.parametrize("dpi", [72, 100, 150, 300])
def test_wrapped_footer_lines_fit_their_column_at_every_resolution(dpi):
    """GIST's sources footer, wrapped for a slide, stays inside its column rasterised at 72-300 dpi."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sarcoma_sim.pathways.draw.legend import _footer_text
    from sarcoma_sim.pathways.draw.measure import _TextMeasure

    preset = PRESETS["slide"]
    column = preset.width - 2 * preset.margin
    body = _footer_text(preset_graphs_of("gist"), column, _TextMeasure(), preset.typography, short_citations=True)
    figure = Figure(figsize=(4, 4), dpi=dpi)
    FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()
    widths = [figure.text(0, 0, line, fontsize=preset.typography.footer, parse_math=False)
              .get_window_extent(renderer).width / dpi for line in body.splitlines()]
    assert len(widths) >= 3 and max(widths) <= column, widths


def preset_graphs_of(subtype: str):
    """The graph a preset draws for ``subtype`` (reductions folded)."""
    from sarcoma_sim.pathways.draw import preset_graphs

    return preset_graphs(load_subtype(subtype))[1]
