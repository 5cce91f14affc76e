"""The teacher's sign-in in a real headless Chromium: sign in once, the CSV and upload work, sign out."""

from __future__ import annotations

import pytest

from helpers.browser import follow, launch, require_browser
from helpers.web_server import serving

pytestmark = pytest.mark.slow

TOKEN = "class-token-for-the-browser-test"


def test_sign_in_once_then_download_the_csv_and_sign_out(tmp_path):
    """Signed in through the form, the page's CSV link downloads; after signing out the view asks again."""
    require_browser()
    from playwright.sync_api import sync_playwright

    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with serving(tmp_path / "a.sqlite3", "--teacher-token-file", str(token_file)) as (url, _), \
            sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(java_script_enabled=False, accept_downloads=True)
            page = context.new_page()
            assert page.goto(url + "/teacher").status == 403
            page.goto(url + "/teacher/login")
            page.fill("#token", TOKEN)
            follow(page, "text=Open the teacher view")
            assert page.url.endswith("/teacher") and "Attempts by case" in page.content()
            cookie = next(c for c in context.cookies() if c["name"] == "sarcoma_sim_teacher")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and TOKEN not in cookie["value"]
            with page.expect_download() as download:
                page.click("text=attempts.csv")
            with open(download.value.path(), encoding="utf-8") as csv_file:
                assert csv_file.readline().startswith("attempt,case,seed")
            follow(page, "#sign-out")
            assert page.url.endswith("/teacher/login")
            assert page.goto(url + "/teacher").status == 403
        finally:
            browser.close()
