"""Dead letters: statements an LRS refuses for good are kept with its reason, not retried, shown and retryable."""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sarcoma_sim.web import xapi
from sarcoma_sim.web.app import create_app


class FakeLRS:
    """A tiny LRS on loopback answering every POST with ``status`` and ``body``; counts what it received."""

    def __init__(self):
        self.status, self.body, self.posts = 200, b"", []
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length", 0))
                lrs.posts.append(json.loads(self.rfile.read(length)))
                body = lrs.body if lrs.status >= 400 else json.dumps([lrs.posts[-1]["id"]]).encode()
                self.send_response(lrs.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/xAPI/"

    @contextmanager
    def running(self):
        """Serve until the block ends."""
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def lrs():
    """A fake LRS, running."""
    with FakeLRS().running() as fake:
        yield fake


def played(tmp_path, url, **kwargs):
    """An app sending to ``url`` (its sender thread stopped: the test sends) with one finished case."""
    app = create_app(tmp_path / "db.sqlite3", lrs=(url, "u", "p"), **kwargs)
    app.config["LRS_SENDER"].stop()
    client = app.test_client()
    page = client.post("/cases", data={"case": "gist", "seed": "2"}).headers["Location"]
    while found := re.search(r'name="decision" value="(\d+)"', client.get(page).get_data(as_text=True)):
        client.post(page + "/answer", data={"decision": found.group(1), "option": "1"})
    return app


def test_a_refused_statement_is_dead_with_the_reason_not_retried_shown_and_retryable(tmp_path, lrs):
    """A 400 marks every statement dead once; the teacher sees count and reason, and 'send again' sends them."""
    lrs.status, lrs.body = 400, json.dumps({"detail": "Statement verb is not allowed\nhere"}).encode()
    app = played(tmp_path, lrs.url)
    store, sender = app.config["STORE"], app.config["LRS_SENDER"]
    queued = store.outbox_counts()["queued"]
    assert queued >= 3
    assert sender.send_due() == 0
    assert store.outbox_counts() == {"queued": 0, "sent": 0, "dead": queued} and len(lrs.posts) == queued
    sender.send_due()
    sender.send_due()
    assert len(lrs.posts) == queued  # never retried by itself
    client = app.test_client()
    page = client.get("/teacher").get_data(as_text=True)
    assert f"{queued} refused by the LRS" in page
    assert re.search(rf"<td>{queued}</td><td>400</td><td>Statement verb is not allowed here</td>", page)
    lrs.status = 200
    assert client.post("/teacher/outbox/retry").status_code == 303
    assert sender.send_due() == queued
    assert store.outbox_counts() == {"queued": 0, "sent": queued, "dead": 0}
    assert "refused by the LRS" in client.get("/teacher").get_data(as_text=True)
    assert 'id="refusals"' not in client.get("/teacher").get_data(as_text=True)
    store.close()


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_a_status_that_asks_to_wait_is_retried_not_dead(tmp_path, lrs, status):
    """Timeouts, rate limits and server errors stay queued with a later try; nothing is marked dead."""
    lrs.status, lrs.body = status, b"busy"
    app = played(tmp_path, lrs.url)
    store = app.config["STORE"]
    queued = store.outbox_counts()["queued"]
    app.config["LRS_SENDER"].send_due()
    assert store.outbox_counts() == {"queued": queued, "sent": 0, "dead": 0}
    assert store.outbox_due(float("inf")) and not store.outbox_due(0)
    store.close()


def test_an_unreachable_lrs_is_retried_not_dead(tmp_path):
    """Nothing listening: no status at all, so the statements wait."""
    app = played(tmp_path, "http://127.0.0.1:9/xAPI/")
    store = app.config["STORE"]
    app.config["LRS_SENDER"].send_due()
    assert store.outbox_counts()["dead"] == 0 and store.outbox_counts()["queued"] > 0
    store.close()


def test_the_retry_needs_the_teacher_session_when_a_token_is_set(tmp_path, lrs):
    """Without the teacher session the retry is a 403 and the dead statements stay dead."""
    lrs.status, lrs.body = 403, b"forbidden scope"
    app = played(tmp_path, lrs.url, teacher_token="t" * 20)
    app.config["LRS_SENDER"].send_due()
    dead = app.config["STORE"].outbox_counts()["dead"]
    assert dead > 0
    assert app.test_client().post("/teacher/outbox/retry").status_code == 403
    assert app.config["STORE"].outbox_counts()["dead"] == dead
    app.config["STORE"].close()


@pytest.mark.parametrize("body, expected", [
    ('{"detail": "bad actor"}', "bad actor"),
    ('{"message": ["a", "b"]}', '["a", "b"]'),
    ("plain\ttext\x07 reason", "plain text reason"),
    ("", "Bad Request"),
    ("x" * 1000, "x" * xapi.MAX_REASON),
])
def test_the_reason_is_one_short_printable_line(body, expected):
    """The LRS's reason is its JSON detail/message when given, printable, on one line, cut at MAX_REASON."""
    assert xapi.reason_text(body, "Bad Request") == expected


@pytest.mark.parametrize("status, dead", [(400, True), (401, True), (403, True), (404, True), (413, True),
                                          (408, False), (409, False), (429, False), (500, False), (503, False)])
def test_which_statuses_are_refusals_for_good(status, dead):
    """4xx is final except 408 (timeout), 409 (already held: sent) and 429 (slow down); 5xx is retried."""
    assert xapi.refused_for_good(status) is dead
