"""In headless Chromium: the whole-map page shows the resident's walk highlighted, and a walk laid over the
drawing shared by every walk renders as the walk's own drawing did."""

from __future__ import annotations

import re

import pytest

from helpers.browser import follow

pytestmark = pytest.mark.slow

HIGHLIGHT = "rgb(192, 57, 43)"   # style.HIGHLIGHT_COLOUR, #c0392b


@pytest.fixture
def page(browser):
    """A fresh desktop page."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    yield context.new_page()
    context.close()


# Each state box's outline colour, each arrow's, and each step badge's number, in the SVG as displayed.
DISPLAYED = r"""(doc) => {
    const stroke = g => getComputedStyle(g.querySelector('path, circle, polygon')).stroke;
    const all = s => Array.from(doc.querySelectorAll(s));
    const box = g => { const r = g.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; };
    return {
        nodes: Object.fromEntries(all('g[id^="node:state-"]').map(g => [g.id.slice(5), stroke(g)])),
        edges: Object.fromEntries(all('g[id^="edge:"]').map(g => [g.id.slice(5), stroke(g)])),
        badges: Object.fromEntries(all('g[id^="steptext:"]').map(g => [g.id.slice(9), g.textContent.trim()])),
        subtitle: ((doc.querySelector('#subtitle') || {}).textContent || '').replace(/\s+/g, ' ').trim(),
        boxes: Object.fromEntries(all('g[id]').filter(g => g.id.includes(':') || /title/.test(g.id))
                                   .map(g => [g.id, box(g)])),
    };
}"""


def test_the_map_page_shows_the_walk_highlighted(page, site):
    """After an answer, the map page's SVG outlines exactly the numbered states in the highlight colour, the arrows
    between them too, and names the walk above the map."""
    page.goto(site + "/")
    page.select_option("#case", "gist")
    page.fill("#seed", "3")
    follow(page, "text=Start the case")
    url = page.url.split("#")[0]
    page.locator("label.option input").first.check()
    follow(page, "text=Give this")
    page.goto(url + "/map")
    page.wait_for_function("() => { const o = document.querySelector('object.whole-map');"
                           " return !!(o && o.contentDocument && o.contentDocument.querySelector('svg')); }")
    shown = page.evaluate(f"() => ({DISPLAYED})(document.querySelector('object.whole-map').contentDocument)")
    badges = shown["badges"]
    assert len(badges) >= 2 and sorted(int(n) for b in badges.values() for n in b.split(",")) == \
        list(range(1, 1 + sum(len(b.split(",")) for b in badges.values())))
    highlighted = {state for state, colour in shown["nodes"].items() if colour == HIGHLIGHT}
    assert highlighted == set(badges)
    walk = sorted(badges, key=lambda s: int(badges[s].split(",")[0]))
    lit_edges = {edge for edge, colour in shown["edges"].items() if colour == HIGHLIGHT}
    assert f"{walk[0]}->{walk[1]}" in lit_edges and all(e.split("->")[0] in badges for e in lit_edges
                                                          if not e.startswith("decision"))
    assert shown["subtitle"].startswith("Highlighted path: Histology and KIT/PDGFRA mutation testing → ")
    subtitle_bottom = shown["boxes"]["subtitle"][1] + shown["boxes"]["subtitle"][3]
    assert subtitle_bottom <= min(b[1] for k, b in shown["boxes"].items() if k.startswith("node:"))


def test_an_overlaid_walk_renders_as_the_walks_own_drawing(page):
    """Every box, arrow, label, badge and heading of an overlaid DFSP walk sits where the walk's own matplotlib
    drawing puts it (within a pixel) and has its outline colour."""
    from sarcoma_sim.pathways.focus import neutral_graph, render_svg
    from sarcoma_sim.pathways.graph import build_graph
    from sarcoma_sim.pathways.load import load_subtype
    from sarcoma_sim.pathways.map_overlay import neutral_map, overlay
    from sarcoma_sim.web.diagrams import neutral_labels

    pathway = load_subtype("dfsp")
    graph, names = neutral_graph(build_graph(pathway), neutral_labels(pathway))
    start = names[pathway.initial]
    walk = [start]
    while len(walk) < 5 and list(graph.successors(walk[-1])):
        walk.append(sorted(graph.successors(walk[-1]))[-1])
    title = f"{pathway.name}: your path so far"
    shown = []
    for svg in (render_svg(graph, walk, title, legend=True), overlay(neutral_map(graph), walk, title)):
        page.set_content(re.sub(r"^<\?xml[^>]*>\s*<!DOCTYPE[^>]*>\s*", "", svg))
        shown.append(page.evaluate(f"() => ({DISPLAYED})(document)"))
    own, overlaid = shown
    assert own["nodes"] == overlaid["nodes"] and own["edges"] == overlaid["edges"]
    assert own["badges"] == overlaid["badges"] and own["subtitle"] == overlaid["subtitle"]
    assert set(own["boxes"]) == set(overlaid["boxes"]) and len(own["boxes"]) > 20
    for gid, box in own["boxes"].items():
        assert max(abs(a - b) for a, b in zip(box, overlaid["boxes"][gid])) < 1.0, (gid, box, overlaid["boxes"][gid])
