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
