"""The case's maps: a focus view and a whole map that answer no question before the debrief, sources, transcript."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape
from test_web import play_to_end, start, text_of

from sarcoma_sim.pathways.load import load_subtype

# Words that would name a marker result or a branch condition in GIST's drawing.
ANSWERS = re.compile(r"exon ?9|exon ?11|D842V|wild[ _-]type|SDH[- ]deficien|fusion[- ]positive|imatinib_800_exon9"
                     r"|ntrk_inhibitor|avapritinib", re.I)


@pytest.mark.parametrize("seed", ["3", "9", "21"])
def test_focus_view_and_map_name_no_marker_or_condition_before_an_answer(client, seed):
    """While a decision is pending neither the focus view nor the whole map names a marker, condition or state id."""
    url = start(client, "gist", seed)
    for path in ("diagram.svg", "map.svg"):
        response = client.get(f"{url}/{path}")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        found = ANSWERS.findall(re.sub(r"Avapritinib", "", text_of(response)))  # the option's own wording
        assert not found, (path, found)
    assert "<text" in text_of(client.get(f"{url}/diagram.svg"))  # text kept as text (readable, not outlines)


def test_focus_view_text_is_at_least_twelve_pixels(client):
    """Every font size in the focus view is at least 12 CSS px, and the drawing fits a 390 px phone."""
    url = start(client, "gist", "3")
    svg = text_of(client.get(f"{url}/diagram.svg"))
    sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 12
    width = re.search(r'<svg[^>]+width="([\d.]+)"', svg)
    assert width and float(width.group(1)) <= 390 - 2 * 8  # in CSS px, inside the page's margins


def test_whole_map_page_and_link(client):
    """The case links the whole map, a page of its own that scrolls, with an accessible name."""
    url = start(client, "gist", "3")
    page = text_of(client.get(url))
    link = re.search(r'href="([^"]+/map[^"]*)" id="map-link"', page)
    assert link and 'aria-label="Focus view of the pathway' in page
    page = text_of(client.get(link.group(1).replace("&amp;", "&")))
    assert 'class="map-scroll"' in page and 'aria-label="The whole pathway map' in page


def test_hidden_map_until_the_debrief(client, app):
    """With the teacher's hide-map setting the case shows no map and the map URLs are 404 until the debrief."""
    app.config["HIDE_MAP"] = True
    try:
        url = start(client, "dfsp", "2")
        page = text_of(client.get(url))
        assert 'id="map-hidden"' in page and "diagram.svg" not in page
        assert client.get(f"{url}/diagram.svg").status_code == 404
        assert client.get(f"{url}/map").status_code == 404
        page = play_to_end(client, url, lambda options, n: 1)
        assert "diagram.svg" in page and client.get(f"{url}/map.svg").status_code == 200
    finally:
        app.config["HIDE_MAP"] = False


def test_debrief_offers_the_transcript_and_the_seed(client):
    """The debrief links the JSON transcript (the documented shape) and shows the seed to replay the patient."""
    url = start(client, "imt", "6")
    assert client.get(f"{url}/transcript.json").status_code == 409  # not before the case is over
    page = play_to_end(client, url, lambda options, n: 1)
    assert 'id="seed">6<' in page and "Download the transcript (JSON)" in page
    document = json.loads(text_of(client.get(f"{url}/transcript.json")))
    assert document["seed"] == 6 and document["subtype"] == "imt" and document["decisions"]


def test_feedback_takes_the_focus_and_sources_link_to_full_citations(client):
    """After an answer the feedback is focused (autofocus); its sources link to the sources page's anchors."""
    url = start(client, "gist", "3")
    client.post(f"{url}/answer", data={"decision": "1", "option": "1"})
    page = text_of(client.get(url))
    assert re.search(r'<section id="feedback"[^>]*tabindex="-1" autofocus', page)
    assert '<a class="skip" href="#main">' in page
    anchors = re.findall(r'href="(/cases/[\w-]+/sources)#([\w-]+)"', page)
    assert anchors
    sources = text_of(client.get(anchors[0][0]))
    for _, anchor in anchors:
        assert f'id="{anchor}"' in sources
    gist = load_subtype("gist")
    assert str(escape(gist.sources["source-guideline"].citation)) in sources


def test_debrief_draws_the_guideline_path_beside_the_residents(client):
    """At the debrief the guideline's path for this patient from the start is drawn beside the resident's."""
    url = start(client, "gist", "3")
    assert client.get(f"{url}/guideline.svg").status_code == 409
    page = play_to_end(client, url, lambda options, n: len(options))
    if 'id="guideline-path"' not in page:
        pytest.skip("this case followed the guideline all the way")
    assert 'id="guideline-map-link"' in page
    paths = text_of(client.get(f"{url}/diagram.svg"))
    assert "Your path" in paths and "The guideline&#x27;s path for this patient" in paths
    svg = text_of(client.get(f"{url}/guideline.svg"))
    assert "the guideline&#39;s path for this patient" in svg or "the guideline's path for this patient" in svg
    assert "Highlighted path: Histology and KIT/PDGFRA mutation testing →" in svg


def test_serve_has_the_hide_map_setting(capsys):
    """``serve --hide-map`` is the teacher's per-server setting."""
    from helpers.cli_runner import run_cli

    code, out, _ = run_cli(capsys, "serve", "--help")
    assert code == 0 and "--hide-map" in out


def _answer_first(client, url: str) -> None:
    """Answer the pending decision with its first option (the case moves on: a new walk)."""
    page = text_of(client.get(url))
    number = re.search(r'name="decision" value="(\d+)"', page).group(1)
    assert client.post(f"{url}/answer", data={"decision": number, "option": "1"}).status_code == 303


def _walk(app, url: str) -> tuple:
    from sarcoma_sim.reports.taken_path import taken_walk
    from sarcoma_sim.web.cases import pathway_for, replay

    store = app.config["STORE"]
    attempt = store.attempt(url.rsplit("/", 1)[-1])
    state = replay(pathway_for(store, attempt.pathway_key), attempt.seed, attempt.answers)
    assert state.pending is not None
    return tuple(taken_walk(state.result)), state


# Draws the neutral GIST map of the walk given in argv in a fresh process: nothing laid out before.
FRESH_DRAWING = """
import sys
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.web.diagrams import draw_neutral_map, neutral_labels
walk = tuple(sys.argv[1].split(","))
svg = draw_neutral_map(("subtype", "gist"), tuple(neutral_labels(load_subtype("gist")).items()), walk, sys.argv[2])
sys.stdout.write(svg)
"""


def test_a_new_walk_of_a_pathway_reuses_its_layout_and_draws_what_a_fresh_process_draws(app, client, monkeypatch):
    """A second walk's whole map lays nothing out again, and its SVG is the one a fresh process draws."""
    import subprocess
    import sys

    import sarcoma_sim.pathways.draw.diagram as draw
    from sarcoma_sim.web.diagrams import neutral_labels

    laid_out = []
    original = draw.layered_layout_within
    monkeypatch.setattr(draw, "layered_layout_within", lambda *a, **k: laid_out.append(1) or original(*a, **k))
    url = start(client, "gist", "3")
    assert client.get(f"{url}/map.svg").status_code == 200
    first_walk = len(laid_out)  # 1, or 0 when an earlier test in this process laid the neutral GIST map out
    _answer_first(client, url)
    walk, state = _walk(app, url)
    svg = text_of(client.get(f"{url}/map.svg"))
    assert len(walk) > 1 and first_walk <= 1 and len(laid_out) == first_walk  # drawn, not laid out again
    assert state.text_of == neutral_labels(state.pathway)  # the wording the workers' warm-up lays out
    fresh = subprocess.run([sys.executable, "-c", FRESH_DRAWING, ",".join(walk),
                            f"{state.pathway.name}: your path so far"], capture_output=True, text=True, check=True)
    assert svg == fresh.stdout


# In a fresh process: warm the leiomyosarcoma layouts, then draw its neutral map and its labelled
# diagram, counting the layouts the drawings compute (none expected).
WARMED_DRAWING = """
import sarcoma_sim.pathways.draw.diagram as draw
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.web.diagrams import draw_neutral_map, draw_svg, neutral_labels, warm_layouts
warmed = warm_layouts(["leiomyosarcoma"])
laid_out = []
original = draw.layered_layout_within
draw.layered_layout_within = lambda *a, **k: laid_out.append(1) or original(*a, **k)
pathway = load_subtype("leiomyosarcoma")
draw_neutral_map(("subtype", "leiomyosarcoma"), tuple(neutral_labels(pathway).items()), (pathway.initial,), "t")
draw_svg(("subtype", "leiomyosarcoma"), (), "t")
print(warmed, len(laid_out))
"""


def test_warmed_workers_draw_their_first_maps_without_laying_out():
    """After a worker's warm-up, its first neutral map and labelled diagram of a pathway lay nothing out."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", WARMED_DRAWING], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["2", "0"]


@pytest.mark.slow   # starts a process pool
def test_the_neutral_map_drawn_in_a_worker_is_the_one_drawn_in_process():
    """A worker process draws the same neutral map as the serving process, and the drawing is kept."""
    from sarcoma_sim.pathways.load import load_subtype
    from sarcoma_sim.web.diagrams import Drawer, draw_neutral_map, neutral_labels

    pathway = load_subtype("dfsp")
    labels = neutral_labels(pathway)
    drawer = Drawer(workers=1)
    try:
        source = ("subtype", "dfsp")
        svg = drawer.neutral_map_svg(source, labels, (pathway.initial,), "t")
        # the same labels in another order and the walk as a list are the same drawing, kept once
        assert svg == drawer.neutral_map_svg(source, dict(reversed(labels.items())), [pathway.initial], "t")
        assert len(drawer._cache) == 1
    finally:
        drawer.close()
    assert svg == draw_neutral_map(("subtype", "dfsp"), tuple(sorted(labels.items())), (pathway.initial,), "t")


def test_a_failed_warm_up_leaves_the_worker_serving(monkeypatch, caplog):
    """A warm-up that raises is logged; the worker's initializer returns (a raising one breaks the pool)."""
    import os

    import sarcoma_sim.web.diagrams as diagrams

    def broken():
        raise RuntimeError("no fonts")

    monkeypatch.setattr(diagrams, "warm_layouts", broken)
    diagrams.start_worker(os.getpid(), True)
    assert "warming the diagram layouts failed" in caplog.text


# Element ids a neutral map may carry: matplotlib's own, the neutral graph's states (state-3, decision:1) and
# arrows between them, and the bands' line names.
NEUTRAL_ID = re.compile(r"(figure|axes|patch|text|line2d)_\d+|legend|title|subtitle|(band|header):[A-Za-z ]+"
                        r"|(node|title|detail|step|steptext):(state-\d+|decision:\d+)"
                        r"|(edge|label):(state-\d+|decision:\d+)-&gt;(state-\d+|decision:\d+)|[mp][0-9a-f]{10}")


def test_walks_of_a_pathway_share_one_drawing_each_highlighting_its_own(client, monkeypatch):
    """Two residents' GIST maps at three walks are one matplotlib drawing, each map numbering its own walk's states."""
    import sarcoma_sim.pathways.map_overlay as map_overlay

    drawn = []
    original = map_overlay.neutral_map
    monkeypatch.setattr(map_overlay, "neutral_map", lambda *a, **k: drawn.append(1) or original(*a, **k))
    first, second = start(client, "gist", "3"), start(client, "gist", "9")
    maps = [text_of(client.get(f"{first}/map.svg"))]
    _answer_first(client, first)
    maps.append(text_of(client.get(f"{first}/map.svg")))
    _answer_first(client, second)
    _answer_first(client, second)
    maps.append(text_of(client.get(f"{second}/map.svg")))
    assert len(drawn) == 1
    numbered = [len(re.findall(r'<g id="steptext:', svg)) for svg in maps]
    assert numbered[0] == 1 and numbered[1] >= 2 and len(set(maps)) == 3, numbered


def test_a_map_that_cannot_be_overlaid_is_drawn_whole_for_each_walk(client, monkeypatch, caplog):
    """Where matplotlib writes its SVG otherwise than the overlay reads it, each walk's map is drawn
    whole (the per-walk drawing) with a warning, not a failed page: the same walk highlighted."""
    import sarcoma_sim.pathways.map_overlay as map_overlay

    def unreadable(*args, **kwargs):
        raise ValueError("the map's SVG is not matplotlib's usual document")

    monkeypatch.setattr(map_overlay, "neutral_map", unreadable)
    attempt = start(client, "gist", "3")
    _answer_first(client, attempt)
    response = client.get(f"{attempt}/map.svg")
    assert response.status_code == 200
    svg = text_of(response)
    assert len(re.findall(r'<g id="steptext:', svg)) >= 2 and "Highlighted path:" in svg
    assert "drawn whole" in caplog.text


def test_the_served_maps_ids_name_nothing_the_map_hides(client):
    """Along a GIST case, every element id of the whole map is the neutral graph's or matplotlib's: no state id."""
    gist = load_subtype("gist")
    state_ids = re.compile("|".join(sorted((re.escape(s) for s in gist.states), key=len, reverse=True)))
    url = start(client, "gist", "21")
    for _ in range(3):
        svg = text_of(client.get(f"{url}/map.svg"))
        ids = re.findall(r' id="([^"]*)"', svg)
        assert ids and [i for i in ids if not NEUTRAL_ID.fullmatch(i)] == []
        assert not state_ids.findall(" ".join(ids).replace("state-", ""))
        assert not ANSWERS.findall(re.sub(r"Avapritinib", "", svg))
        _answer_first(client, url)


@pytest.mark.slow   # starts a process pool
def test_a_new_walk_waits_for_no_worker():
    """Once a pathway's map is drawn, a new walk's map is made without the workers (they may all be busy or gone)."""
    from sarcoma_sim.pathways.graph import build_graph
    from sarcoma_sim.web.diagrams import Drawer, neutral_labels

    pathway = load_subtype("leiomyosarcoma")
    labels = neutral_labels(pathway)
    source = ("subtype", "leiomyosarcoma")
    drawer = Drawer(workers=1)
    try:
        first = drawer.neutral_map_svg(source, labels, (pathway.initial,), "t")
    finally:
        drawer.close()

    def no_workers():
        raise AssertionError("a worker was asked for")

    drawer._executor = no_workers  # type: ignore[method-assign]
    walk = (pathway.initial, next(iter(build_graph(pathway).successors(pathway.initial))))
    second = drawer.neutral_map_svg(source, labels, walk, "t")
    assert first.count('<g id="steptext:') == 1 and second.count('<g id="steptext:') == 2


@pytest.mark.slow   # starts a process pool
def test_a_map_asked_for_ahead_is_drawn_in_a_worker_and_kept():
    """``prepare_neutral_map`` returns at once and a worker draws the map; the resident's map is then made from it
    without a worker, and is the one drawn when asked for."""
    import time

    from sarcoma_sim.web.diagrams import Drawer, draw_neutral_map, neutral_labels

    pathway = load_subtype("dfsp")
    labels = neutral_labels(pathway)
    source = ("subtype", "dfsp")
    drawer = Drawer(workers=1)
    try:
        drawer.prepare_neutral_map(source, labels)
        drawer.prepare_neutral_map(source, labels)   # asked twice, drawn once
        assert len(drawer._pending) == 1
        deadline = time.monotonic() + 60
        while not drawer._cache and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        drawer.close()

    def no_workers():
        raise AssertionError("a worker was asked for")

    drawer._executor = no_workers  # type: ignore[method-assign]
    svg = drawer.neutral_map_svg(source, labels, (pathway.initial,), "t")
    assert len(drawer._cache) == 1 and not drawer._pending
    assert svg == draw_neutral_map(source, tuple(sorted(labels.items())), (pathway.initial,), "t")


def test_without_workers_nothing_is_drawn_ahead():
    """With no workers (drawing in the serving process) asking for a map ahead draws nothing: it would hold the
    request that asks."""
    from sarcoma_sim.web.diagrams import Drawer, neutral_labels

    drawer = Drawer(workers=0)
    drawer.prepare_neutral_map(("subtype", "dfsp"), neutral_labels(load_subtype("dfsp")))
    assert not drawer._cache and not drawer._pending


def test_a_map_not_drawn_ahead_leaves_the_case_started_and_its_map_drawn_when_asked(app, client, monkeypatch, caplog):
    """Drawing ahead is only a head start: if it fails, the case still starts (its attempt stored,
    the start answered with the case page) and the map is drawn when the resident opens it."""
    def broken(*args, **kwargs):
        raise RuntimeError("no worker can start")

    monkeypatch.setattr(app.config["DRAWER"], "prepare_neutral_map", broken)
    attempt = start(client, "dfsp", "3")
    assert client.get(attempt).status_code == 200
    assert client.get(f"{attempt}/map.svg").status_code == 200
    assert "drawing the map ahead failed" in caplog.text
