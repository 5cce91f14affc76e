"""End to end in a real headless Chromium: play a case, run and upload scenarios, the teacher view counts."""

from __future__ import annotations

import re

import pytest

from helpers.browser import follow

pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser):
    """A fresh page (no cookies) with JavaScript off: pages must work without it."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def play_gist_with_a_wrong_answer(page, site) -> None:
    """Start GIST seed 3, answer the first decision wrong (another subtype's regimen), then the first option."""
    page.goto(site + "/")
    page.select_option("#case", "gist")
    page.fill("#seed", "3")
    follow(page, "text=Start the case")
    labels = page.locator("label.option")
    texts = [labels.nth(i).inner_text().strip() for i in range(labels.count())]
    wrong = texts.index("Pazopanib 800 mg daily")
    labels.nth(wrong).locator("input").check()
    follow(page, "text=Give this")
    assert "Not the guideline's step" in page.inner_text("#feedback")
    for _ in range(15):
        if page.locator("#debrief").count():
            return
        page.locator("label.option input").first.check()
        follow(page, "text=Give this")
    raise AssertionError("the case did not end")


def test_play_a_gist_case_to_the_debrief(page, site):
    """A GIST case with a wrong answer ends in a debrief with the mistake, the score and the highlighted path."""
    play_gist_with_a_wrong_answer(page, site)
    debrief = page.inner_text("#debrief")
    assert "Your path:" in debrief and re.search(r"Mistakes: [1-9]", debrief)
    assert "SUBTYPE_MISMATCH" in debrief and re.search(r"Score: \d+ of \d+ decisions? on the guideline", debrief)
    diagram = page.locator("#diagram")
    box = diagram.bounding_box()
    assert box and box["height"] > 100
    svg_url = diagram.get_attribute("data")
    svg = page.request.get(site + svg_url).text()
    assert "Your path" in svg and "Histology and KIT/PDGFRA" in svg   # the path named by state labels
    whole = page.request.get(site + page.get_attribute("#map-link", "href").replace("/map", "/map.svg")).text()
    assert "Highlighted path: Histology and KIT/PDGFRA" in whole
    assert page.locator("text=Replay the same patient").count() == 1


def test_run_an_example_scenario(page, site):
    """A shipped example shows its timeline, alert and drawing."""
    page.goto(site + "/scenarios")
    follow(page, "button[value=gist_exon9_standard_dose]")
    assert "ALERT KIT_EXON9_DOSE" in page.inner_text("#timeline")
    assert page.locator(".inline-svg svg").bounding_box()["height"] > 100


def test_upload_a_broken_scenario_shows_its_located_error(page, site, tmp_path):
    """An uploaded broken scenario shows file, line, path and what was expected."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("patient:\n  subtype: gist\n  markers: {kit_exon: exon99}\nstart: {at: 0}\n")
    page.goto(site + "/scenarios")
    page.set_input_files("#file", str(broken))
    follow(page, "#run-own")
    errors = page.inner_text("#errors")
    assert "broken.yaml:3 at patient.markers.kit_exon" in errors and "expected one of" in errors


def test_script_title_is_text_in_the_browser(page, site):
    """A pasted scenario titled <script>alert(1)</script> shows the title as text."""
    page.goto(site + "/scenarios")
    page.fill("#text", 'title: "<script>alert(1)</script>"\npatient: {subtype: dfsp}\nstart: {at: 0}\n')
    follow(page, "#run-own")
    assert page.inner_text("#scenario-title") == "<script>alert(1)</script>"


def test_teacher_view_counts_the_attempt(page, site):
    """After a finished GIST case the teacher view counts it, by case and by alert code."""
    before = page.context.browser.new_context(java_script_enabled=False).new_page()
    before.goto(site + "/teacher")
    counted = re.search(r"Gastrointestinal stromal tumour \(GIST\)\s+(\d+)\s+(\d+)", before.inner_text("#by-case"))
    finished_before = int(counted.group(2)) if counted else 0
    before.context.close()
    play_gist_with_a_wrong_answer(page, site)
    page.goto(site + "/teacher")
    counted = re.search(r"Gastrointestinal stromal tumour \(GIST\)\s+(\d+)\s+(\d+)", page.inner_text("#by-case"))
    assert counted and int(counted.group(2)) == finished_before + 1
    assert "SUBTYPE_MISMATCH" in page.inner_text("#by-alert")


def test_ordering_the_untested_markers_fills_the_card(page, site):
    """A GIST case whose KIT/PDGFRA test was not sent: the card says so, ordering the test is right and fills it."""
    from sarcoma_sim.pathways.load import load_subtype
    from sarcoma_sim.web.cases import replay

    gist = load_subtype("gist")
    seed = next(s for s in range(200) if any(o.right and o.action == "order_test" and "KIT/PDGFRA" in o.text
                                             for o in replay(gist, s, ()).pending.options))
    page.goto(site + "/")
    page.select_option("#case", "gist")
    page.fill("#seed", str(seed))
    follow(page, "text=Start the case")
    card = page.inner_text("table.card")
    assert re.search(r"KIT exon\s+not tested", card) and re.search(r"PDGFRA\s+not tested", card)
    labels = page.locator("label.option")
    texts = [labels.nth(i).inner_text().strip() for i in range(labels.count())]
    labels.nth([t.startswith("Order KIT/PDGFRA mutation analysis") for t in texts].index(True)).locator("input").check()
    follow(page, "text=Give this")
    assert "Decision 1: Right" in page.inner_text("#feedback")
    card = page.inner_text("table.card")
    assert not re.search(r"KIT exon\s+not tested", card) and not re.search(r"PDGFRA\s+not tested", card)


def test_a_form_on_another_site_cannot_post_to_the_app(page, site, tmp_path):
    """A page served from another origin whose form posts to the app gets the 403 page; nothing is started."""
    import functools
    import http.server
    import threading

    (tmp_path / "index.html").write_text(
        f'<!doctype html><form method="post" action="{site}/cases"><input name="case" value="gist">'
        '<input name="seed" value="3"><button id="go">go</button></form>', encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/index.html")
        follow(page, "#go")
        page.wait_for_load_state()
        text = page.inner_text("body")
        assert "403" in text and "another site" in text
        assert "/cases/" not in page.url
    finally:
        other.shutdown()
        other.server_close()
