"""A headless Debian Chromium driven by Playwright for Python, or a skip saying how to install it.

No browser is downloaded: Playwright launches the system's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("SARCOMA_SIM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
HOW_TO_INSTALL = ("needs Debian's Chromium at /usr/bin/chromium: run `apt-get update && apt-get install -y chromium` "
                  "(or .ci/setup.d/chromium.sh as root) and `pip install -e '.[test]'` for Playwright; "
                  "never `playwright install`")


def launch(playwright):
    """The system Chromium, headless."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def require_browser():
    """Skip the calling test unless Playwright and Chromium are installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(f"Playwright for Python is missing: {HOW_TO_INSTALL}")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium is missing: {HOW_TO_INSTALL}")


def sideways(page) -> int:
    """How many CSS px the page scrolls sideways (0 when it does not), once the page has loaded (measured
    while a click's navigation is still under way, the document may have no root element yet)."""
    page.wait_for_load_state("load")
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def follow(page, selector: str) -> None:
    """Click ``selector`` and wait until the page it leads to has loaded (a locator's count or text read
    straight after a click may still see the page before, or a document not parsed yet)."""
    page.click(selector)
    page.wait_for_load_state("load")
