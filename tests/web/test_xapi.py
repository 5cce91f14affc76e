"""xAPI statements: valid structure, deterministic ids, queued with the answer, --lrs settings checked."""

from __future__ import annotations

import argparse
import re

import jsonschema
import pytest

from sarcoma_sim.cli.serve import lrs_settings
from sarcoma_sim.errors import CommandLineError
from sarcoma_sim.web import xapi
from sarcoma_sim.web.app import create_app


def test_statement_ids_are_the_same_for_the_same_event_and_differ_otherwise():
    """uuid5 over attempt and event: a retry gets the same id, another event another id."""
    assert xapi.statement_id("a" * 16, "answered/1") == xapi.statement_id("a" * 16, "answered/1")
    assert len({xapi.statement_id("a" * 16, e) for e in ("initialized", "answered/1", "answered/2", "completed")}) == 4


def test_an_email_actor_or_a_missing_registration_is_refused_by_the_check():
    """The schema refuses an actor name with '@' and a statement without a registration."""
    good = xapi.initialized("a" * 16, "res1", "http://localhost/", "gist", "GIST", 1.0)
    assert xapi.check(good) is good
    bad = {**good, "actor": {"objectType": "Agent", "account": {"homePage": "http://x/", "name": "a@b.org"}}}
    with pytest.raises(jsonschema.ValidationError):
        xapi.check(bad)
    with pytest.raises(jsonschema.ValidationError):
        xapi.check({**good, "context": {}})


def test_a_played_case_queues_valid_statements_in_the_outbox_without_an_lrs_reachable(tmp_path):
    """With --lrs set but nothing listening, pages work and initialized/answered/completed wait in the outbox."""
    app = create_app(tmp_path / "db.sqlite3", lrs=("http://127.0.0.1:9/xAPI/", "u", "p"))
    app.config["LRS_SENDER"].stop()
    client = app.test_client()
    page = client.post("/cases", data={"case": "gist", "seed": "2"}).headers["Location"]
    answers = 0
    while (found := re.search(r'name="decision" value="(\d+)"', client.get(page).get_data(as_text=True))):
        assert client.post(page + "/answer", data={"decision": found.group(1), "option": "1"}).status_code == 303
        answers += 1
    store = app.config["STORE"]
    queued = store.outbox_due(float("inf"))
    assert len(queued) == answers + 2
    import json
    statements = [json.loads(body) for _, body, _ in queued]
    for statement in statements:
        xapi.check(statement)
    verbs = [s["verb"]["display"]["en-US"] for s in statements]
    assert verbs.count("initialized") == 1 and verbs.count("completed") == 1 and verbs.count("answered") == answers
    assert len({s["context"]["registration"] for s in statements}) == 1
    store.close()


def test_without_lrs_nothing_is_queued(tmp_path):
    """No --lrs: the outbox stays empty."""
    app = create_app(tmp_path / "db.sqlite3")
    app.test_client().post("/cases", data={"case": "gist", "seed": "2"})
    assert app.config["STORE"].outbox_counts() == {"queued": 0, "sent": 0, "dead": 0}
    app.config["STORE"].close()


def args(**kw):
    """serve's --lrs arguments."""
    return argparse.Namespace(**{"lrs": None, "lrs_credentials_file": None, **kw})


def test_lrs_settings_come_from_a_file_or_the_environment(tmp_path, monkeypatch):
    """user:password from the file, else from SARCOMA_SIM_LRS_USER/PASSWORD; bad input is an error line."""
    creds = tmp_path / "creds"
    creds.write_text("teacher:pw:with:colons\n")
    assert lrs_settings(args(lrs="http://h/xAPI/", lrs_credentials_file=str(creds))) == \
        ("http://h/xAPI/", "teacher", "pw:with:colons")
    monkeypatch.setenv("SARCOMA_SIM_LRS_USER", "u")
    monkeypatch.setenv("SARCOMA_SIM_LRS_PASSWORD", "p")
    assert lrs_settings(args(lrs="https://h/")) == ("https://h/", "u", "p")
    assert lrs_settings(args()) is None
    creds.write_text("no colon")
    for bad in (args(lrs="ftp://h/"), args(lrs="http://h/", lrs_credentials_file=str(creds)),
                args(lrs="http://h/", lrs_credentials_file=str(tmp_path / "missing")),
                args(lrs_credentials_file=str(creds))):
        with pytest.raises(CommandLineError):
            lrs_settings(bad)
    monkeypatch.delenv("SARCOMA_SIM_LRS_USER")
    with pytest.raises(CommandLineError, match="SARCOMA_SIM_LRS_USER"):
        lrs_settings(args(lrs="http://h/"))
