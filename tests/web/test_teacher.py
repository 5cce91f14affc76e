"""The teacher view on a network: sign-in for a session, sign-out, no-store, CSVs safe in spreadsheets."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.errors import PathwayError
from sarcoma_sim.pathways.load import parse_pathway
from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.views_teacher import TEACHER_COOKIE, csv_cell


@pytest.fixture
def app(tmp_path):
    """An app whose teacher view needs the token ``s3cret-token-0001``."""
    app = create_app(tmp_path / "db.sqlite3", teacher_token="s3cret-token-0001")
    yield app
    app.config["STORE"].close()


def sign_in(client, **kwargs):
    """Post the token to the sign-in form."""
    return client.post("/teacher/login", data={"token": "s3cret-token-0001"}, **kwargs)


def test_sign_in_gives_a_random_session_cookie_not_the_token(app):
    """The cookie holds a fresh random session id (HttpOnly, SameSite=Strict), never the token itself."""
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "s3cret-token-0001" not in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    session = client.get_cookie(TEACHER_COOKIE).value
    assert len(session) >= 40 and session != sign_in(app.test_client()).headers["Set-Cookie"].split(";")[0]
    assert client.get("/teacher").status_code == 200


def test_a_forged_cookie_or_the_token_as_cookie_is_refused(app):
    """A cookie that is not a current session (even the token itself) opens nothing."""
    client = app.test_client()
    for value in ("s3cret-token-0001", "x" * 43, ""):
        client.set_cookie(TEACHER_COOKIE, value)
        assert client.get("/teacher").status_code == 403


def test_over_https_the_session_cookie_is_secure(app):
    """Served over HTTPS (as waitress reports it behind a trusted proxy), the cookie is Secure."""
    response = sign_in(app.test_client(), base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_sign_out_ends_the_session(app):
    """After signing out the old session id opens nothing, and the cookie is deleted."""
    client = app.test_client()
    sign_in(client)
    session = client.get_cookie(TEACHER_COOKIE).value
    assert "sign-out" in client.get("/teacher").get_data(as_text=True)
    response = client.post("/teacher/logout")
    assert response.status_code == 303 and client.get_cookie(TEACHER_COOKIE) is None
    client.set_cookie(TEACHER_COOKIE, session)
    assert client.get("/teacher").status_code == 403


@pytest.mark.parametrize("path", ["/teacher", "/teacher/attempts.csv", "/teacher/alerts.csv", "/teacher/login"])
def test_teacher_pages_and_downloads_are_not_stored_by_caches(app, path):
    """Teacher pages and downloads, signed in or not, carry Cache-Control: no-store."""
    client = app.test_client()
    assert client.get(path).headers["Cache-Control"] == "no-store"
    sign_in(client)
    assert client.get(path).headers["Cache-Control"] == "no-store"


@given(st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), st.text(max_size=20))
def test_csv_cells_that_start_like_a_formula_stay_text(start, rest):
    """A cell starting with = + - @ tab or CR gets a leading quote; the value is otherwise kept."""
    assert csv_cell(start + rest) == "'" + start + rest


@given(st.text(max_size=20).filter(lambda t: not t.startswith(("=", "+", "-", "@", "\t", "\r"))))
def test_other_csv_cells_are_unchanged(text):
    """Text that cannot start a formula, and numbers, are written as they are."""
    assert csv_cell(text) == text and csv_cell(-3) == -3


def test_a_pathway_named_like_a_formula_is_neutralised_in_both_csvs(tmp_path, small_pathway_text):
    """A loaded pathway named =HYPERLINK(...) appears in attempts.csv and alerts.csv as text, not a formula."""
    app = create_app(tmp_path / "db.sqlite3")
    client = app.test_client()
    text = small_pathway_text.replace("name: Demo sarcoma", 'name: "=HYPERLINK(\\"http://evil\\",\\"x\\")"')
    assert client.post("/teacher/pathways", data={"file": (io.BytesIO(text.encode()), "f.yaml")},
                       content_type="multipart/form-data").status_code == 303
    key = app.config["STORE"].pathways()[0]["key"]
    store = app.config["STORE"]
    attempt = store.new_attempt(key, f"=HYPERLINK(\"http://evil\",\"x\") [{key}]", 1)
    store.finish(attempt, 1, 1, [(1, "SOME_ALERT")])
    for name in ("attempts.csv", "alerts.csv"):
        rows = list(csv.DictReader(io.StringIO(client.get(f"/teacher/{name}").get_data(as_text=True))))
        assert rows and all(row["case"].startswith("'=") for row in rows)
    store.close()


@pytest.mark.parametrize("bad", ["Demo\\r\\nsarcoma", "Demo\\a", "Demo \\u202ecod.exe", "Demo\\u2066x"])
def test_pathway_names_with_control_or_bidi_characters_are_refused(small_pathway_text, bad):
    """A pathway name holding CR/LF, BEL or a bidi control is a located problem at 'name'."""
    text = small_pathway_text.replace("name: Demo sarcoma", f'name: "{bad}"')
    with pytest.raises(PathwayError) as caught:
        parse_pathway(text, "named.yaml")
    assert any(p.path == "name" and p.line == 2 for p in caught.value.problems)
