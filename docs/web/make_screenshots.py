"""Regenerate the web app's screenshots in docs/web/ (case player, debrief, teacher view).

    python docs/web/make_screenshots.py

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install -y chromium``) and Playwright for
Python (``pip install -e '.[test]'``; no ``playwright install``). Starts ``sarcoma-sim serve`` on a
free loopback port with a throw-away database, plays GIST seed 3 with a wrong first answer
(pazopanib, another subtype's drug), and saves three PNGs beside this script.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The server start and the browser launch are the tests' own (tests/helpers), so both stay one.
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from helpers.browser import launch  # noqa: E402
from helpers.web_server import serving  # noqa: E402

VIEWPORT = {"width": 1500, "height": 1000}
NAMES = ("case-player.png", "debrief.png", "teacher.png")


def shrink(path: Path) -> None:
    """Store the screenshot with a 256-colour palette (a third of the size; text stays sharp)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(256)
    small.save(path, optimize=True)


def main() -> int:
    """Start a server, play a case, take the screenshots."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, serving(Path(folder) / "attempts.sqlite3") as (url, _):
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url + "/")
            page.select_option("#case", "gist")
            page.fill("#seed", "3")
            page.click("text=Start the case")
            labels = page.locator("label.option")
            texts = [labels.nth(i).inner_text().strip() for i in range(labels.count())]
            labels.nth(texts.index("Pazopanib 800 mg daily")).locator("input").check()
            page.click("text=Give this")
            page.wait_for_load_state("networkidle")  # the diagram object loads after the page
            page.screenshot(path=str(HERE / "case-player.png"), full_page=True)
            for _ in range(15):
                if page.locator("#debrief").count():
                    break
                page.locator("label.option input").first.check()
                page.click("text=Give this")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(HERE / "debrief.png"), full_page=True)
            page.goto(url + "/teacher")
            page.screenshot(path=str(HERE / "teacher.png"), full_page=True)
            browser.close()
    for png in NAMES:
        shrink(HERE / png)
    print(f"wrote {', '.join(NAMES)} in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
