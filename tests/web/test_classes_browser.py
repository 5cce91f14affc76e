"""The class flow in a real headless Chromium at desktop and phone widths: create, assign, join, play, progress."""

from __future__ import annotations

import re

import pytest

from helpers.browser import follow, launch, require_browser, sideways
from helpers.web_server import serving

pytestmark = pytest.mark.slow

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_teacher_sets_a_case_resident_joins_plays_and_teacher_sees_it(tmp_path, width):
    """Every class page works through its forms, and none scrolls sideways at this width."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with serving(tmp_path / "a.sqlite3") as (url, _), sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            teacher = browser.new_context(viewport=VIEWPORTS[width]).new_page()
            teacher.goto(url + "/teacher")
            teacher.fill("#class-name", "Tuesday residents of the sarcoma unit")
            follow(teacher, "text=Create the class")
            code = teacher.inner_text("#join-code")
            teacher.select_option("#case", "gist")
            teacher.fill("#seed", "11")
            teacher.select_option("#map", "hidden")
            follow(teacher, "text=Set the class this case")
            assert sideways(teacher) == 0
            class_page = teacher.url

            resident = browser.new_context(viewport=VIEWPORTS[width]).new_page()
            resident.goto(url + "/")
            follow(resident, "#join-link")
            assert sideways(resident) == 0
            resident.fill("#code", code.lower())
            resident.fill("#name", "Dr Wide-Screen Pseudonym")
            follow(resident, "button:text('Join')")
            assert "You are" in resident.inner_text("#resident") and sideways(resident) == 0
            assert "not started" in resident.inner_text("#assignments")
            follow(resident, "#assignments button")
            assert re.search(r"/cases/[\w-]+$", resident.url)
            for _ in range(100):
                if resident.locator("input[name=option]").count() == 0:
                    break
                resident.locator("input[name=option]").first.check()
                resident.locator("form:has(input[name=option]) button[type=submit]").first.click()
                resident.wait_for_load_state("load")
            resident.goto(url + "/")
            assert "finished" in resident.inner_text("#assignments") and sideways(resident) == 0

            teacher.goto(class_page)
            assert "finished" in teacher.inner_text("#progress") and sideways(teacher) == 0
        finally:
            browser.close()
