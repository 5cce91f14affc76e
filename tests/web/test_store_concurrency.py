"""One decision, one stored answer: different answers posted at once to a real server on loopback."""

from __future__ import annotations

import http.client
import re
import sqlite3
import threading
import urllib.parse

import pytest

from sarcoma_sim.web.cases import pathway_for, replay
from sarcoma_sim.web.store import Store

from helpers.web_server import serving

OPTION = re.compile(r'name="option" value="(\d+)"')
DECISION = re.compile(r'name="decision" value="(\d+)"')
POSTERS = 5


def _request(where, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def race(url: str, cases: int, seed0: int) -> tuple[int, list[str], list[str]]:
    """Play ``cases`` cases, every decision answered by POSTERS threads at once with different options.

    Returns (decisions raced, a description of each decision that did not get exactly one 303, attempt ids).
    """
    where = urllib.parse.urlsplit(url)
    raced, wrong, attempts = 0, [], []
    for n in range(cases):
        status, headers, _ = _request(where, "POST", "/cases", {"case": "gist", "seed": str(seed0 + n)})
        assert status == 303
        path = urllib.parse.urlsplit(headers["Location"]).path
        attempts.append(path.rsplit("/", 1)[-1])
        for _ in range(30):
            _, _, page = _request(where, "GET", path)
            if 'id="debrief"' in page:
                break
            options = OPTION.findall(page)
            decision = DECISION.search(page).group(1)
            barrier = threading.Barrier(POSTERS)
            statuses: list[int] = []

            def post(i: int) -> None:
                barrier.wait(timeout=60)
                form = {"decision": decision, "option": options[i % len(options)]}
                statuses.append(_request(where, "POST", path + "/answer", form)[0])

            threads = [threading.Thread(target=post, args=(i,)) for i in range(POSTERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            raced += 1
            if sorted(statuses) != [303] + [409] * (POSTERS - 1):
                wrong.append(f"{path} decision {decision}: {sorted(statuses)}")
    return raced, wrong, attempts


def check_stored(db, attempt_ids: list[str]) -> None:
    """Every attempt finished, with one answer per decision and the score a replay of its answers gives."""
    store = Store(db)
    try:
        for attempt_id in attempt_ids:
            attempt = store.attempt(attempt_id)
            state = replay(pathway_for(store, attempt.pathway_key), attempt.seed, attempt.answers)
            assert state.finished and attempt.finished is not None
            assert [n for n, _ in attempt.answers] == list(range(1, len(attempt.answers) + 1))
            assert (attempt.right, attempt.asked) == (state.debrief.right, state.debrief.asked)
        with sqlite3.connect(db) as raw:
            alerts = raw.execute("SELECT COUNT(*) FROM attempt_alerts").fetchone()[0]
        replayed = 0
        for attempt_id in attempt_ids:
            attempt = store.attempt(attempt_id)
            state = replay(pathway_for(store, attempt.pathway_key), attempt.seed, attempt.answers)
            replayed += sum(len(f.step.alerts) for _, f in state.history)
        assert alerts == replayed
    finally:
        store.close()


def test_different_answers_posted_at_once_get_one_303_and_409s(tmp_path):
    """Five different answers posted at once to each decision: one 303, four 409s; stored equals a replay."""
    db = tmp_path / "race.sqlite3"
    with serving(db) as (url, _):
        raced, wrong, attempts = race(url, cases=3, seed0=10)
    assert raced >= 6 and wrong == []
    check_stored(db, attempts)


@pytest.mark.slow
def test_many_decisions_raced_never_store_two_answers(tmp_path):
    """Forty cases raced decision by decision: never two 303s, every stored score equals a replay."""
    db = tmp_path / "race.sqlite3"
    with serving(db) as (url, _):
        raced, wrong, attempts = race(url, cases=40, seed0=1000)
    assert raced >= 80 and wrong == [], f"{len(wrong)} of {raced} decisions: {wrong[:5]}"
    check_stored(db, attempts)
