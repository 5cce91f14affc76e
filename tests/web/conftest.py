"""Fixtures the web tests share: an app on a fresh database with its test client, and for the browser
tests one running server and one headless Chromium per module."""

from __future__ import annotations

import pytest

from helpers.browser import launch, require_browser
from helpers.web_server import serving


@pytest.fixture
def app(tmp_path):
    """An app with a fresh database, open teacher view (loopback)."""
    from sarcoma_sim.web.app import create_app

    app = create_app(tmp_path / "attempts.sqlite3")
    yield app
    app.config["STORE"].close()


@pytest.fixture
def client(app):
    """Its test client."""
    return app.test_client()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A running server (its base URL) for the module's tests."""
    with serving(tmp_path_factory.mktemp("web") / "attempts.sqlite3") as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
