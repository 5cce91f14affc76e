"""Cross-site posts are refused (CSRF): the rule in sarcoma_sim.web.origin and the app's 403 page."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.origin import cross_origin_reason

HOST = "127.0.0.1:8000"


@pytest.mark.parametrize("headers", [
    {},
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://127.0.0.1:8000"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
])
def test_posts_from_this_site_or_no_browser_pass(headers):
    """A post from the app's own page, the address bar, or a non-browser client is let through."""
    assert cross_origin_reason("POST", headers, HOST) is None


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://127.0.0.1:8000"},
    {"Origin": "http://127.0.0.1:9000"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": " null "},
])
def test_posts_from_another_origin_are_refused(headers):
    """Fetch Metadata or Origin naming another origin (even another port on this host) refuses the post."""
    assert cross_origin_reason("POST", headers, HOST) is not None


@given(st.sampled_from(["GET", "HEAD", "OPTIONS", "get"]),
       st.dictionaries(st.sampled_from(["Sec-Fetch-Site", "Origin"]), st.text(max_size=20)))
def test_reading_requests_always_pass(method, headers):
    """GET, HEAD and OPTIONS never change anything, so they pass whatever they say about their origin."""
    assert cross_origin_reason(method, headers, HOST) is None


@pytest.fixture
def client(tmp_path):
    """A test client of an app with a fresh database."""
    app = create_app(tmp_path / "attempts.sqlite3")
    yield app.test_client()
    app.config["STORE"].close()


@pytest.mark.parametrize("route, form", [
    ("/cases", {"case": "gist", "seed": "3"}),
    ("/scenarios/run", {"example": "dfsp_imatinib"}),
    ("/teacher/login", {"token": "x"}),
])
def test_app_refuses_a_cross_site_post_with_a_403_page_and_stores_nothing(client, route, form):
    """A post another site forges gets the 403 page naming why, and no attempt is stored."""
    response = client.post(route, data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "another site" in page and "Traceback" not in page
    assert client.application.config["STORE"].by_case() == []


def test_app_takes_the_same_post_from_its_own_page(client):
    """The same post sent from the app's own page starts the case (303 to the case page)."""
    response = client.post("/cases", data={"case": "gist", "seed": "3"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303 and "/cases/" in response.headers["Location"]
