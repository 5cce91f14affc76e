"""Requests must name this server (DNS rebinding); ``Origin: null`` posts are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.origin import host_refusal

NAMES = frozenset({"teaching.example.org"})


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "127.5.6.7", "[::1]:8000",
                                  "LOCALHOST", "app.localhost:80"])
def test_loopback_names_pass_on_loopback(host):
    """Bound to loopback, loopback names and addresses are this server."""
    assert host_refusal(host, frozenset(), loopback_only=True) is None


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "192.168.1.20:8000", "127.0.0.1.evil.example",
                                  "teaching.example.org.evil", ""])
def test_other_names_are_refused_on_loopback(host):
    """Bound to loopback, another name (a rebound one) or a LAN address is refused."""
    assert host_refusal(host, frozenset(), loopback_only=True) is not None


@pytest.mark.parametrize("host", ["teaching.example.org:8000", "TEACHING.example.org.", "192.168.1.20:8000",
                                  "[fe80::1]:8000", "localhost"])
def test_addresses_and_allowed_names_pass_beyond_loopback(host):
    """Bound beyond loopback, any IP address (never rebound) and the allowed names pass."""
    assert host_refusal(host, NAMES, loopback_only=False) is None


@given(st.from_regex(r"[a-z][a-z0-9-]{0,15}\.(com|net|example)", fullmatch=True))
def test_names_not_allowed_are_refused_beyond_loopback(name):
    """Bound beyond loopback, any name not allowed is refused."""
    assert host_refusal(name + ":8000", NAMES, loopback_only=False) is not None


@pytest.fixture
def app(tmp_path):
    """An app bound to loopback (open teacher view)."""
    app = create_app(tmp_path / "db.sqlite3")
    yield app
    app.config["STORE"].close()


def test_a_rebound_name_cannot_read_the_teacher_view_or_load_a_pathway(app):
    """A request naming another site's host (DNS rebinding) is a 400 page: no CSV, no upload."""
    client = app.test_client()
    for method, path in (("GET", "/teacher/attempts.csv"), ("POST", "/teacher/pathways"), ("GET", "/")):
        response = client.open(path, method=method, headers={"Host": "rebind.evil.example:8000"})
        assert response.status_code == 400 and "--allowed-host" in response.get_data(as_text=True)
    assert app.config["STORE"].pathways() == []


def test_an_allowed_name_is_served(tmp_path):
    """A name given with allowed_hosts is served."""
    app = create_app(tmp_path / "db.sqlite3", allowed_hosts=["Teaching.Example.org"], loopback_only=False)
    assert app.test_client().get("/", headers={"Host": "teaching.example.org:8000"}).status_code == 200
    app.config["STORE"].close()


def test_an_origin_null_post_is_refused_and_pages_send_a_same_origin_referrer_policy(app):
    """``Origin: null`` without Fetch Metadata is refused (403); pages ask for Referrer-Policy same-origin."""
    client = app.test_client()
    response = client.post("/cases", data={"case": "gist", "seed": "1"}, headers={"Origin": "null"})
    assert response.status_code == 403
    assert client.get("/").headers["Referrer-Policy"] == "same-origin"
