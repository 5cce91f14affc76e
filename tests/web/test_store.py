"""The attempt store: the last answer and the finish are one write, and a refused write is a page saying so."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess

import pytest

from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.cases import pathway_for, replay
from sarcoma_sim.web.store import Store

from helpers.cli_runner import run_cli

DECISION = re.compile(r'name="decision" value="(\d+)"')


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def start(client, seed: str = "3") -> str:
    """Start a gist case; its page's URL."""
    response = client.post("/cases", data={"case": "gist", "seed": seed})
    assert response.status_code == 303
    return response.headers["Location"]


def decision_number(html: str) -> int:
    """The pending decision's number."""
    return int(DECISION.search(html).group(1))


def answer_all_but_last(app, client, url: str) -> str:
    """Answer option 1 to every decision but the one that ends the case; the case URL."""
    store = app.config["STORE"]
    for _ in range(30):
        attempt = store.attempt(url.rsplit("/", 1)[-1])
        number = decision_number(text_of(client.get(url)))
        after = replay(pathway_for(store, attempt.pathway_key), attempt.seed, attempt.answers + ((number, 0),))
        if after.finished:
            return url
        assert client.post(f"{url}/answer", data={"decision": str(number), "option": "1"}).status_code == 303
    raise AssertionError("the case did not end")


@pytest.fixture
def app(tmp_path):
    """An app with a fresh database."""
    app = create_app(tmp_path / "attempts.sqlite3")
    yield app
    app.config["STORE"].close()


def test_a_failed_finish_stores_neither_the_last_answer_nor_the_finish_and_a_repost_works(app, tmp_path):
    """The finish write fails: the last answer is not stored either, and posting it again finishes the case."""
    client = app.test_client()
    url = answer_all_but_last(app, client, start(client))
    page = text_of(client.get(url))
    form = {"decision": str(decision_number(page)), "option": "1"}
    db = sqlite3.connect(tmp_path / "attempts.sqlite3")
    with db:
        db.execute("CREATE TRIGGER provoke BEFORE UPDATE OF finished ON attempts "
                   "BEGIN SELECT RAISE(ABORT, 'provoked failure'); END")
    assert client.post(f"{url}/answer", data=form).status_code == 500
    attempt = app.config["STORE"].attempt(url.rsplit("/", 1)[-1])
    assert attempt.finished is None and len(attempt.answers) == decision_number(page) - 1
    with db:
        db.execute("DROP TRIGGER provoke")
    db.close()
    assert client.post(f"{url}/answer", data=form).status_code == 303
    assert len(app.config["STORE"].finished_attempts()) == 1


def test_a_full_database_is_a_507_page_that_says_so(app):
    """SQLite reports the database full (max_page_count reached): a 507 page naming it, nothing half-stored."""
    client = app.test_client()
    store = app.config["STORE"]
    with store._connect() as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
    statuses = [client.post("/cases", data={"case": "gist", "seed": str(n)}).status_code for n in range(60)]
    assert 507 in statuses and set(statuses) <= {303, 507}
    page = text_of(client.post("/cases", data={"case": "gist", "seed": "1"}))
    assert "full" in page and "Nothing was stored" in page


@contextlib.contextmanager
def read_only(path):
    """``path`` made unwritable for this user (chmod, or chattr +i for root), else the test is skipped."""
    if os.geteuid() != 0:
        os.chmod(path, 0o444)
        yield
        os.chmod(path, 0o644)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file read-only as root here (chattr +i failed)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_serve_refuses_a_read_only_database_at_start(capsys, tmp_path):
    """A database file the server cannot write: an error line naming it at start, exit 1."""
    db = tmp_path / "ro.sqlite3"
    Store(db).close()
    for extra in tmp_path.glob("ro.sqlite3-*"):
        extra.unlink()
    with read_only(db):
        code, _, err = run_cli(capsys, "serve", "--db", db, "--port", "0")
    assert code == 1 and "ro.sqlite3" in err and "cannot be written" in err and "Traceback" not in err


def test_a_database_turned_read_only_while_serving_is_a_503_page(app, tmp_path):
    """The file becomes read-only while the app runs: the next write is a 503 page that says so, not a 500."""
    client = app.test_client()
    start(client)
    app.config["STORE"].close()
    db = tmp_path / "attempts.sqlite3"
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    for extra in tmp_path.glob("attempts.sqlite3-*"):
        extra.unlink()
    with read_only(db):
        response = client.post("/cases", data={"case": "gist", "seed": "1"})
    assert response.status_code == 503 and "cannot be written" in text_of(response)
