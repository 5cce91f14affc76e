"""The new teacher pages in real headless Chromium at desktop and phone widths: drill-down by decision, alert
codes, pathway management and refused learning records; every page works through its links and forms and none
scrolls sideways."""

from __future__ import annotations

import json
import re
import time

import pytest
from test_xapi_dead import FakeLRS

from helpers.browser import follow, launch, require_browser, sideways
from helpers.web_server import serving

pytestmark = pytest.mark.slow

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def play(page, url: str, case: str, seed: str) -> None:
    """Start ``case`` with ``seed`` from the home page and answer the first option until the debrief."""
    page.goto(url + "/")
    page.select_option("#case", case)
    page.fill("#seed", seed)
    follow(page, "text=Start the case")
    for _ in range(100):
        if page.locator("input[name=option]").count() == 0:
            break
        page.locator("input[name=option]").first.check()
        page.locator("form:has(input[name=option]) button[type=submit]").first.click()
        page.wait_for_load_state("load")


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_drill_down_alert_codes_pathways_and_refusals_in_chromium(tmp_path, width, small_pathway_text):
    """Teacher pages of issue 20 work by clicking through them, and none scrolls sideways at this width."""
    require_browser()
    from playwright.sync_api import sync_playwright

    (tmp_path / "demo.yaml").write_text(small_pathway_text, encoding="utf-8")
    (tmp_path / "demo-v2.yaml").write_text(small_pathway_text.replace("label: Drug A", "label: Drug Alpha"),
                                           encoding="utf-8")
    (tmp_path / "lrs.txt").write_text("teacher:secret\n", encoding="utf-8")
    fake = FakeLRS()
    fake.status, fake.body = 400, json.dumps({"detail": "actor account homePage refused by policy"}).encode()
    with fake.running(), serving(tmp_path / "a.sqlite3", "--lrs", fake.url, "--lrs-credentials-file",
                                 str(tmp_path / "lrs.txt")) as (url, _), sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            viewport = VIEWPORTS[width]
            teacher = browser.new_context(viewport=viewport).new_page()
            checked = []

            def check(label):
                assert sideways(teacher) == 0, f"{label} scrolls sideways at {width}"
                checked.append(label)

            # Pathway management: load, success page, load again, rename, new version, (removed at the end).
            teacher.goto(url + "/teacher")
            teacher.set_input_files("input[name=file][aria-label='pathway file']", str(tmp_path / "demo.yaml"))
            follow(teacher, "button:text('Load')")
            assert "Loaded: residents can now pick" in teacher.inner_text("#done")
            check("pathway page")
            pathway_page = teacher.url
            teacher.goto(url + "/teacher")
            teacher.set_input_files("input[name=file][aria-label='pathway file']", str(tmp_path / "demo.yaml"))
            follow(teacher, "button:text('Load')")
            assert teacher.url.split("?")[0] == pathway_page.split("?")[0]
            assert "already loaded" in teacher.inner_text("#done")
            teacher.fill("#new-name", "Demo sarcoma, a long teaching name for week two of the course")
            follow(teacher, "button:text('Rename')")
            assert "Renamed" in teacher.inner_text("#done")
            teacher.set_input_files("input[aria-label='new version of the pathway file']",
                                    str(tmp_path / "demo-v2.yaml"))
            follow(teacher, "text=Load the new version")
            assert "new version is loaded" in teacher.inner_text("#done")
            assert teacher.locator("#versions tbody tr").count() == 2
            check("pathway page with versions")

            # A resident plays two cases; the teacher drills down from the case to the attempts behind a share.
            resident = browser.new_context(viewport=viewport).new_page()
            play(resident, url, "gist", "5")
            play(resident, url, "gist", "2")
            teacher.goto(url + "/teacher")
            follow(teacher, "#drill-link")
            check("cases")
            follow(teacher, "#drill-cases a")
            check("decision points")
            follow(teacher, "#points a >> nth=0")
            assert teacher.locator("#options tbody tr").count() >= 2
            assert teacher.locator("#options tr.guideline").count() >= 1
            check("decision point")
            follow(teacher, "#options a >> nth=0")
            check("attempts behind a share")
            follow(teacher, "#chose a >> nth=0")
            assert re.search(r"/teacher/attempts/[\w-]+$", teacher.url)
            check("attempt")
            codes = teacher.locator("a.code")
            if codes.count():
                codes.first.click()
                teacher.wait_for_load_state("load")
                assert re.search(r"/alerts/[A-Z0-9_]+$", teacher.url)
                check("alert code from an attempt")

            # Alert codes: the list, one page, an unknown code.
            teacher.goto(url + "/alerts")
            check("alert codes")
            follow(teacher, "#codes a >> nth=0")
            assert teacher.locator("#sources li").count() >= 1
            check("alert code")
            response = teacher.goto(url + "/alerts/NOT_A_CODE")
            assert response.status == 404
            check("unknown alert code")

            # Refused learning records: shown with the LRS's reason, and sent again on request.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                teacher.goto(url + "/teacher")
                if teacher.locator("#refusals").count():
                    break
                time.sleep(0.5)
            assert "refused by policy" in teacher.inner_text("#refusals")
            check("teacher view with refusals")
            fake.status = 200
            follow(teacher, "#retry-refused")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and ", 0 refused" not in teacher.inner_text("#outbox"):
                time.sleep(0.5)
                teacher.goto(url + "/teacher")
            assert ", 0 refused" in teacher.inner_text("#outbox")

            # Remove the loaded pathway: it says so and the page stays readable.
            teacher.goto(pathway_page.split("?")[0])
            follow(teacher, "#remove")
            assert "Removed" in teacher.inner_text("#done") and teacher.locator("#removed").count() == 1
            check("removed pathway")
            assert len(checked) >= 10
        finally:
            browser.close()
