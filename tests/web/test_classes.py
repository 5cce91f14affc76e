"""Classes and residents: creating a class, joining with its code, attempts owned, old databases migrated."""

from __future__ import annotations

import html
import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.residents import RESIDENT_COOKIE
from sarcoma_sim.web.store import SCHEMA_VERSION, Store
from sarcoma_sim.web.views_class import display_name


@pytest.fixture
def app(tmp_path):
    """An app on loopback (teacher view open)."""
    app = create_app(tmp_path / "db.sqlite3")
    yield app
    app.config["STORE"].close()


def new_class(client, name="Tuesday group"):
    """Create a class through the teacher page; returns (class page path, join code)."""
    response = client.post("/teacher/classes", data={"name": name})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    code = re.search(r'id="join-code">([A-Z0-9]+)<', page.get_data(as_text=True)).group(1)
    return response.headers["Location"], code


def test_teacher_creates_a_class_with_a_join_code_listed_on_the_teacher_view(app):
    """A new class has an 8-character join code and is listed on the teacher view."""
    client = app.test_client()
    path, code = new_class(client)
    assert len(code) == 8
    assert "Tuesday group" in client.get("/teacher").get_data(as_text=True)
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_resident_joins_and_their_attempts_belong_to_them(app):
    """Joining sets an HttpOnly SameSite=Strict cookie; attempts started then count for that resident."""
    teacher = app.test_client()
    path, code = new_class(teacher)
    resident = app.test_client()
    response = resident.post("/join", data={"code": code.lower(), "name": "  Dr   A "})
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert RESIDENT_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "You are <strong>Dr A</strong>" in resident.get("/").get_data(as_text=True)
    resident.post("/cases", data={"case": "gist", "seed": "7"})
    anonymous = app.test_client()
    anonymous.post("/cases", data={"case": "gist", "seed": "7"})
    page = teacher.get(path).get_data(as_text=True)
    assert re.search(r">Dr A</a></td><td>1</td><td>0</td>", page)
    store = app.config["STORE"]
    assert len(store.by_case()) == 1 and store.by_case()[0]["started"] == 2


def test_the_session_cookie_is_stored_only_as_a_hash(app):
    """The database holds no resident session id in clear."""
    client = app.test_client()
    _, code = new_class(client)
    client.post("/join", data={"code": code, "name": "B"})
    session = client.get_cookie(RESIDENT_COOKIE).value
    with sqlite3.connect(app.config["STORE"].path) as db:
        dump = "\n".join(db.iterdump())
    assert session not in dump and len(session) >= 40


def test_leaving_makes_later_attempts_anonymous(app):
    """After leaving, the home page offers to join again and the cookie is gone."""
    client = app.test_client()
    _, code = new_class(client)
    client.post("/join", data={"code": code, "name": "C"})
    assert client.post("/leave").status_code == 303
    assert client.get_cookie(RESIDENT_COOKIE) is None
    assert 'id="join-link"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("form", "status", "words"), [
    ({"code": "ABC", "name": "A"}, 400, "join code"),
    ({"code": "ZZZZZZZZ", "name": "A"}, 404, "no class has this join code"),
    ({"code": "", "name": "A"}, 400, "join code"),
    ({"name": "A"}, 400, "join code"),
    ({"code": "@@@@@@@@", "name": "A"}, 400, "join code"),
])
def test_bad_join_codes_get_a_4xx_page(app, form, status, words):
    """A malformed or unknown code is a 4xx page saying so, and no cookie is set."""
    client = app.test_client()
    response = client.post("/join", data=form)
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(("name", "words"), [
    ("", "give a name"), ("   ", "give a name"), ("x" * 41, "at most 40"),
    ("Dr\u202eA", "U+202E"), ("A\u200bB", "U+200B"), ("A\x07", "U+0007"), ("A\u0000", "U+0000"),
])
def test_bad_names_get_a_400_page(app, name, words):
    """Empty, too long, control or bidirectional/invisible characters: a 400 page naming the problem."""
    client = app.test_client()
    _, code = new_class(client)
    response = client.post("/join", data={"code": code, "name": name})
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert app.config["STORE"].class_residents(app.config["STORE"].classes()[0]["id"]) == []


def test_a_name_already_used_in_the_class_is_refused(app):
    """Two residents cannot share a name in one class (409); the first one keeps it."""
    client = app.test_client()
    _, code = new_class(client)
    assert client.post("/join", data={"code": code, "name": "Dr A"}).status_code == 303
    other = app.test_client()
    assert other.post("/join", data={"code": code, "name": "Dr A"}).status_code == 409


def test_class_pages_need_the_teacher_and_an_existing_class(tmp_path):
    """With a teacher token, creating or reading a class without signing in is 403; an unknown class is 404."""
    app = create_app(tmp_path / "db.sqlite3", teacher_token="s3cret-token-0001")
    client = app.test_client()
    assert client.post("/teacher/classes", data={"name": "X"}).status_code == 403
    class_id, _ = app.config["STORE"].new_class("X")
    assert client.get(f"/teacher/classes/{class_id}").status_code == 403
    client.post("/teacher/login", data={"token": "s3cret-token-0001"})
    assert client.get(f"/teacher/classes/{class_id}").status_code == 200
    assert client.get("/teacher/classes/nope").status_code == 404
    app.config["STORE"].close()


def test_a_version_1_database_is_migrated_and_keeps_its_attempts(tmp_path):
    """An attempts table without a resident column gains it; old attempts stay, anonymous; opening twice is fine."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript("""CREATE TABLE attempts (id TEXT PRIMARY KEY, pathway_key TEXT NOT NULL,
            case_name TEXT NOT NULL, seed INTEGER NOT NULL, answers TEXT NOT NULL DEFAULT '[]', started REAL NOT NULL,
            finished REAL, right INTEGER, asked INTEGER);
            INSERT INTO attempts (id, pathway_key, case_name, seed, started) VALUES ('old-attempt-0001', 'gist',
            'GIST', 3, 1.0); PRAGMA user_version = 1;""")
    for _ in range(2):
        store = Store(path)
        assert store.attempt("old-attempt-0001").seed == 3
        store.close()
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(attempts)")]
        assert columns.count("resident_id") == 1
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_accepted_names_are_short_and_visible(raw):
    """Whatever is typed, an accepted name is 1-40 characters with no control or format character."""
    from flask import Flask
    from werkzeug.exceptions import HTTPException

    with Flask(__name__).app_context():
        try:
            name = display_name({"name": raw}, "name")
        except HTTPException as error:
            assert error.code == 400
            return
    assert 1 <= len(name) <= 40 and name == name.strip()
    assert all(not ch.isspace() or ch == " " for ch in name)


def joined(app, code, name):
    """A resident client that joined the class with ``code`` as ``name``."""
    client = app.test_client()
    assert client.post("/join", data={"code": code, "name": name}).status_code == 303
    return client


def play_to_end(client, page):
    """Answer option 1 at every decision of the case at ``page`` until the debrief."""
    for _ in range(100):
        html = client.get(page).get_data(as_text=True)
        found = re.search(r'name="decision" value="(\d+)"', html)
        if found is None:
            return
        assert client.post(page + "/answer", data={"decision": found.group(1), "option": "1"}).status_code == 303
    raise AssertionError("the case did not end")


def test_assignments_are_listed_played_with_their_seed_and_tracked_per_resident(app):
    """A fixed-seed assignment starts with that seed; the resident and the teacher see it finished."""
    teacher = app.test_client()
    path, code = new_class(teacher)
    response = teacher.post(path + "/assignments", data={"case": "gist", "seed": "42", "map": "shown",
                                                         "due": "2027-01-15"})
    assert response.status_code == 303
    teacher.post(path + "/assignments", data={"case": "gist", "seed": "", "map": "hidden"})
    a, b = joined(app, code, "Dr A"), joined(app, code, "Dr B")
    home = a.get("/").get_data(as_text=True)
    assert "2027-01-15" in home and home.count("not started") == 2
    ids = re.findall(r'/assignments/([0-9a-f]+)/start', home)
    page = a.post(f"/assignments/{ids[0]}/start").headers["Location"]
    store = app.config["STORE"]
    assert store.attempt(page.rsplit("/", 1)[1]).seed == 42
    play_to_end(a, page)
    assert "finished (" in a.get("/").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(Dr [AB])</td><td>(\w[\w ]*)</td><td>(\w[\w ]*)</td></tr>",
                      teacher.get(path).get_data(as_text=True))
    assert rows == [("Dr A", "finished", "not started"), ("Dr B", "not started", "not started")]
    assert b.post(f"/assignments/{ids[1]}/start").status_code == 303


def test_an_assignment_with_the_map_hidden_hides_it_until_the_debrief(app):
    """The assignment's hidden map: the map pages are 404 while the case runs, shown at the debrief."""
    teacher = app.test_client()
    path, code = new_class(teacher)
    teacher.post(path + "/assignments", data={"case": "gist", "seed": "5", "map": "hidden"})
    a = joined(app, code, "Dr A")
    assignment = re.search(r'/assignments/([0-9a-f]+)/start', a.get("/").get_data(as_text=True)).group(1)
    page = a.post(f"/assignments/{assignment}/start").headers["Location"]
    assert a.get(page + "/diagram.svg").status_code == 404 and a.get(page + "/map").status_code == 404
    play_to_end(a, page)
    assert a.get(page + "/diagram.svg").status_code == 200


@pytest.mark.parametrize(("form", "words"), [
    ({"case": "nope", "map": "shown"}, "'case'"),
    ({"case": "gist", "map": "sideways"}, "'map'"),
    ({"case": "gist", "map": "shown", "seed": "-1"}, "'seed'"),
    ({"case": "gist", "map": "shown", "due": "15/01/2027"}, "'due'"),
    ({"case": "gist", "map": "shown", "due": "2027-02-30"}, "'due'"),
])
def test_bad_assignment_forms_get_a_400_page(app, form, words):
    """Each malformed assignment field is a 400 page naming it; nothing is stored."""
    teacher = app.test_client()
    path, _ = new_class(teacher)
    response = teacher.post(path + "/assignments", data=form)
    assert response.status_code == 400 and "field " + words in html.unescape(response.get_data(as_text=True))
    assert app.config["STORE"].assignments(path.rsplit("/", 1)[1]) == []


def test_assignments_are_only_for_their_class(app):
    """Anonymous browsers get 403, residents of another class 404, for a class's assignment."""
    teacher = app.test_client()
    path, code = new_class(teacher, "One")
    _, other_code = new_class(teacher, "Two")
    teacher.post(path + "/assignments", data={"case": "gist", "map": "shown"})
    assignment = app.config["STORE"].assignments(path.rsplit("/", 1)[1])[0]["id"]
    assert app.test_client().post(f"/assignments/{assignment}/start").status_code == 403
    assert joined(app, other_code, "X").post(f"/assignments/{assignment}/start").status_code == 404
    assert teacher.post("/teacher/classes/nope/assignments", data={"case": "gist", "map": "shown"}).status_code == 404


def test_the_resident_page_lists_each_attempt_and_decision(app):
    """Class -> resident: each attempt with its status and each answered decision with the choice and verdict."""
    teacher = app.test_client()
    path, code = new_class(teacher)
    a = joined(app, code, "Dr A")
    page = a.post("/cases", data={"case": "gist", "seed": "9"}).headers["Location"]
    play_to_end(a, page)
    a.post("/cases", data={"case": "gist", "seed": "10"})
    class_html = teacher.get(path).get_data(as_text=True)
    link = re.search(r'href="(/teacher/classes/[^"]+/residents/[0-9a-f]+)">Dr A<', class_html)
    html_page = teacher.get(link.group(1)).get_data(as_text=True)
    assert html_page.count('class="attempt"') == 2 and ": finished," in html_page and "unfinished" in html_page
    assert re.search(r"<td>(right|wrong|not_quite)</td>", html_page) and "No answer yet." in html_page
    assert teacher.get(path + "/residents/0123456789abcdef").status_code == 404
