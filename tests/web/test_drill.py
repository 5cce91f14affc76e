"""The per-decision drill-down: case -> decision point -> the share choosing each option -> the attempts behind it."""

from __future__ import annotations

import html
import re
import sqlite3
from collections import Counter
from urllib.parse import quote

import pytest

from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.exports import decision_rows
from sarcoma_sim.web.store import Store

SEVERAL_RIGHT_SEED = 5  # GIST seed 5: an SDH-deficient patient, three sunitinib/regorafenib options right at start


@pytest.fixture
def app(tmp_path):
    """An app on loopback (teacher view open)."""
    app = create_app(tmp_path / "db.sqlite3")
    yield app
    app.config["STORE"].close()


def play(client, case="gist", seed=5, pick=lambda n, options: 1) -> str:
    """Play a case to its end through the pages, choosing ``pick(decision, option count)``; returns its path."""
    page = client.post("/cases", data={"case": case, "seed": str(seed)}).headers["Location"]
    while True:
        text = client.get(page).get_data(as_text=True)
        found = re.search(r'name="decision" value="(\d+)"', text)
        if not found:
            return page
        count = len(re.findall(r'name="option" value="\d+"', text))
        option = pick(int(found.group(1)), count)
        response = client.post(page + "/answer", data={"decision": found.group(1), "option": str(option)})
        assert response.status_code == 303


def join(app, teacher, name="Dr A", class_name="Tuesday"):
    """A class with one resident; returns (class id, the resident's client)."""
    location = teacher.post("/teacher/classes", data={"name": class_name}).headers["Location"]
    code = re.search(r'id="join-code">([A-Z0-9]+)<', teacher.get(location).get_data(as_text=True)).group(1)
    resident = app.test_client()
    assert resident.post("/join", data={"code": code, "name": name}).status_code == 303
    return location.rsplit("/", 1)[-1], resident


def links(text: str, pattern: str) -> list[str]:
    """Every href matching ``pattern``, unescaped."""
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', text) if re.search(pattern, html.unescape(h))]


def test_case_to_point_to_share_to_attempts(app):
    """From the case list to a decision point, the shares sum to the answers and each share lists its attempts."""
    teacher = app.test_client()
    class_id, resident = join(app, teacher)
    for option in (6, 9, 9, 1):
        play(resident, seed=SEVERAL_RIGHT_SEED, pick=lambda n, c, o=option: o if n == 1 else 1)
    cases = teacher.get("/teacher/cases").get_data(as_text=True)
    case_link = links(cases, r"/teacher/cases/gist$")[0]
    points = teacher.get(case_link).get_data(as_text=True)
    point_link = links(points, r"/teacher/cases/gist/points/workup\.start")[0]
    page = teacher.get(point_link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    rows = re.findall(r"<tr class=\"(guideline)?\"><td>([^<]+)</td>\s*<td>(.*?)</td>\s*<td>(\d+)</td>\s*<td>(.*?)</td>",
                      text, re.S)
    chosen = {html.unescape(t): int(re.sub(r"<[^>]+>", "", c)) for _, t, _, _, c in rows}
    assert chosen["Sunitinib 50 mg, 4 weeks on / 2 weeks off"] == 2
    assert chosen["Sunitinib 37.5 mg continuous daily"] == 1
    assert sum(chosen.values()) == 4 and all(int(o) == 4 for _, _, _, o, _ in rows)
    guideline = {html.unescape(t) for g, t, _, _, _ in rows if g}
    assert guideline == {"Sunitinib 37.5 mg continuous daily", "Sunitinib 50 mg, 4 weeks on / 2 weeks off",
                         "Regorafenib 160 mg, 3 weeks on / 1 week off"}
    share_link = links(text, r"/chose\?option=Sunitinib\+50|/chose\?option=Sunitinib%2050")[0]
    behind = teacher.get(share_link).get_data(as_text=True)
    attempt_links = links(behind, r"/teacher/classes/.*/residents/.*#attempt-")
    assert len(attempt_links) == 2 and "Dr A" in behind
    resident_page = teacher.get(attempt_links[0].split("#")[0]).get_data(as_text=True)
    assert f'id="{attempt_links[0].split("#")[1]}"' in resident_page


def test_the_counts_match_replaying_every_attempt(app):
    """Per point and option, the stored aggregates equal what replaying every attempt (the export) gives."""
    client = app.test_client()
    for seed in range(6):
        play(client, seed=seed, pick=lambda n, c, s=seed: (n + s) % c + 1)
    play(client, case="leiomyosarcoma", seed=3)
    store = app.config["STORE"]
    replayed = Counter((r["case"], r["decision"], r["option_text"]) for r in decision_rows(store))
    stored = Counter()
    for case in store.decision_cases():
        for point in store.decision_points(case["key"]):
            options = store.point_options(case["key"], point["point"])
            assert sum(o["chosen"] for o in options) == point["answers"]
            _, rows = store.option_attempts(case["key"], point["point"], options[0]["text"])
            assert all(r["attempt"] for r in rows)
            stored[case["key"]] += point["answers"]
    assert sum(stored.values()) == sum(replayed.values())
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == sum(replayed.values())


def test_a_class_filter_counts_only_that_class(app):
    """?class= narrows every drill-down page to the class's residents; anonymous attempts count overall only."""
    teacher = app.test_client()
    class_id, resident = join(app, teacher)
    play(resident, seed=1)
    play(app.test_client(), seed=1)
    overall = app.config["STORE"].decision_cases()[0]["attempts"]
    narrowed = app.config["STORE"].decision_cases(class_id)[0]["attempts"]
    assert (overall, narrowed) == (2, 1)
    page = teacher.get(f"/teacher/cases/gist?class={class_id}").get_data(as_text=True)
    assert "class Tuesday" in page
    assert all(f"class={class_id}" in link for link in links(page, r"/points/"))
    class_page = teacher.get(f"/teacher/classes/{class_id}").get_data(as_text=True)
    assert links(class_page, rf"/teacher/cases\?class={class_id}$")


def test_an_anonymous_attempt_behind_a_share_opens_its_own_attempt_page(app):
    """An anonymous answer links to /teacher/attempts/ID, which shows every decision with linked alert codes."""
    client = app.test_client()
    play(client, seed=2, pick=lambda n, c: c)
    store = app.config["STORE"]
    point = store.decision_points("gist")[0]
    option = [o for o in store.point_options("gist", point["point"]) if o["chosen"]][0]["text"]
    page = client.get(f"/teacher/cases/gist/points/{point['point']}/chose?option={quote(option)}")
    page = page.get_data(as_text=True)
    target = links(page, r"^/teacher/attempts/")[0]
    attempt = client.get(target).get_data(as_text=True)
    assert "Anonymous" in attempt and "Decision" in attempt
    assert links(attempt, r"^/alerts/[A-Z_0-9]+$")


@pytest.mark.parametrize("path, status", [
    ("/teacher/cases/nosuch", 404),
    ("/teacher/cases/file-zzzzzzzz", 404),
    ("/teacher/cases/gist", 404),  # no answer yet
    ("/teacher/cases?class=nosuch", 404),
    ("/teacher/cases?class=" + "x" * 40, 404),
    ("/teacher/attempts/nosuch", 404),
    ("/teacher/attempts/" + "A" * 16, 404),
])
def test_bad_drill_down_requests_get_a_page_without_a_traceback(app, path, status):
    """Unknown cases, classes and attempts are located 4xx pages."""
    response = app.test_client().get(path)
    assert response.status_code == status
    assert "Traceback" not in response.get_data(as_text=True)


def test_bad_points_and_options_are_4xx_pages(app):
    """A point that does not exist, a missing or unknown option: 404/400 naming what is wrong."""
    client = app.test_client()
    play(client, seed=1)
    point = app.config["STORE"].decision_points("gist")[0]["point"]
    base = f"/teacher/cases/gist/points/{point}"
    assert client.get("/teacher/cases/gist/points/no.such").status_code == 404
    assert client.get("/teacher/cases/gist/points/" + "%3Cscript%3E").status_code == 404
    missing = client.get(base + "/chose")
    assert missing.status_code == 400 and "query &#39;option&#39;" in missing.get_data(as_text=True)
    assert client.get(base + "/chose?option=nothing%20like%20it").status_code == 404
    assert client.get(base + "/chose?option=" + "x" * 3000).status_code == 400


def test_the_drill_down_needs_the_teacher_session_when_a_token_is_set(tmp_path):
    """With a teacher token, every drill-down page is a 403 without the session."""
    app = create_app(tmp_path / "db.sqlite3", teacher_token="t" * 20)
    client = app.test_client()
    for path in ("/teacher/cases", "/teacher/cases/gist", "/teacher/cases/gist/points/x.start",
                 "/teacher/cases/gist/points/x.start/chose?option=a", "/teacher/attempts/" + "A" * 16):
        assert client.get(path).status_code == 403, path
    app.config["STORE"].close()


def test_a_version_2_database_gets_its_decision_rows_on_start(tmp_path):
    """Attempts answered before schema 3 are replayed once at start and then counted like new ones."""
    path = tmp_path / "old.sqlite3"
    app = create_app(path)
    play(app.test_client(), seed=4)
    app.config["STORE"].close()
    with sqlite3.connect(path) as db:
        answered = db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
        db.executescript("DROP TABLE decisions; DROP TABLE decision_options; DROP TABLE pathway_versions;"
                         "PRAGMA user_version = 2;")
    again = create_app(path)
    assert sum(p["answers"] for p in again.config["STORE"].decision_points("gist")) == answered > 0
    again.config["STORE"].close()
    assert Store(path).attempts_without_decisions() == []


def test_the_stored_decision_rows_read_as_the_replayed_export(app):
    """The resident and attempt pages' rows (stored with each answer) equal the replayed per-decision export."""
    teacher = app.test_client()
    class_id, resident = join(app, teacher)
    for seed in (SEVERAL_RIGHT_SEED, 2, 9):
        play(resident, seed=seed, pick=lambda n, c, s=seed: (n * s) % c + 1)
    store = app.config["STORE"]
    resident_id = store.class_residents(class_id)[0]["id"]
    fields = ("decision", "event", "option_text", "guideline_options", "verdict", "alerts")
    replayed: dict[str, list] = {}
    for row in decision_rows(store, resident_id=resident_id):
        replayed.setdefault(row["attempt"], []).append({k: row[k] for k in fields})
    assert store.stored_decisions(resident_id=resident_id) == replayed
    some = next(iter(replayed))
    assert store.stored_decisions(attempt_id=some) == {some: replayed[some]}
