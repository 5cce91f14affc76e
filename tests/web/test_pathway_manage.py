"""Pathway management: one case per file, rename, versions (attempts keep theirs), remove, concurrency, migration."""

from __future__ import annotations

import io
import re
import sqlite3
import threading
from pathlib import Path

import pytest

from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.cases import pathway_for
from sarcoma_sim.web.store import SCHEMA_VERSION, Store, text_hash

SCHEMA_V2 = Path(__file__).parent / "data" / "schema_v2.sql"


@pytest.fixture
def app(tmp_path):
    """An app on loopback (teacher view open)."""
    app = create_app(tmp_path / "db.sqlite3")
    yield app
    app.config["STORE"].close()


def upload(client, text: str, path="/teacher/pathways", name="demo.yaml"):
    """Post ``text`` as a pathway file."""
    return client.post(path, data={"file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data")


def key_of(response) -> str:
    """The pathway key a load or change redirected to."""
    return re.search(r"/teacher/pathways/(file-[0-9a-f]{8})", response.headers["Location"]).group(1)


def test_loading_shows_a_success_page_and_the_same_file_twice_is_one_case(client, small_pathway_text):
    """The first load says it is loaded; the second says it was already and adds no case."""
    first = upload(client, small_pathway_text)
    assert first.status_code == 303
    page = client.get(first.headers["Location"])
    assert page.status_code == 200 and "Loaded: residents can now pick" in page.get_data(as_text=True)
    second = upload(client, small_pathway_text, name="copy.yaml")
    assert key_of(second) == key_of(first)
    assert "already loaded" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert len(client.application.config["STORE"].pathways()) == 1
    assert client.get("/").get_data(as_text=True).count("Demo sarcoma") == 1


def test_rename_changes_what_residents_pick_and_not_old_attempts(app, small_pathway_text):
    """A renamed case is listed under its new name; an attempt started before keeps the old case name."""
    client = app.test_client()
    key = key_of(upload(client, small_pathway_text))
    before = client.post("/cases", data={"case": key, "seed": "1"}).headers["Location"]
    assert client.post(f"/teacher/pathways/{key}/name", data={"name": "Teaching demo, week 2"}).status_code == 303
    assert "Teaching demo, week 2" in client.get("/").get_data(as_text=True)
    store = app.config["STORE"]
    assert store.attempt(before.rsplit("/", 1)[-1]).case_name.startswith("Demo sarcoma")
    after = client.post("/cases", data={"case": key, "seed": "1"}).headers["Location"]
    assert store.attempt(after.rsplit("/", 1)[-1]).case_name.startswith("Teaching demo, week 2")


@pytest.mark.parametrize("name, words", [("", "give a name"), ("x" * 121, "at most 120"),
                                         ("a\u202eb", "U+202E"), ("a\x07", "U+0007")])
def test_a_bad_new_name_is_a_400_naming_the_field(client, small_pathway_text, name, words):
    """Empty, too long, control or bidi characters: 400 naming the field and what is wrong."""
    key = key_of(upload(client, small_pathway_text))
    response = client.post(f"/teacher/pathways/{key}/name", data={"name": name})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "field &#39;name&#39;" in text and words in text and "Traceback" not in text


def test_a_new_version_is_used_by_new_attempts_and_old_attempts_keep_theirs(app, small_pathway_text):
    """After a replace, an earlier attempt replays on version 1 and a new one on version 2; both are counted."""
    client = app.test_client()
    key = key_of(upload(client, small_pathway_text))
    old = client.post("/cases", data={"case": key, "seed": "1"}).headers["Location"].rsplit("/", 1)[-1]
    changed = small_pathway_text.replace("label: Drug A", "label: Drug Alpha")
    response = upload(client, changed, f"/teacher/pathways/{key}/version", "demo-v2.yaml")
    assert response.status_code == 303 and key_of(response) == key
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The new version is loaded" in page and "demo-v2.yaml" in page
    new = client.post("/cases", data={"case": key, "seed": "1"}).headers["Location"].rsplit("/", 1)[-1]
    store = app.config["STORE"]
    versions = [pathway_for(store, key, store.attempt(a).pathway_version) for a in (old, new)]
    assert [v.states["drug_a"].label for v in versions] == ["Drug A", "Drug Alpha"]
    assert store.attempt(old).pathway_version == text_hash(small_pathway_text)
    counts = re.findall(r"<tr><td>(\d)(?: \(current\))?</td>.*?<td>(\d+)</td></tr>",
                        client.get(f"/teacher/pathways/{key}").get_data(as_text=True))
    assert counts == [("1", "1"), ("2", "1")]
    assert client.get(f"/cases/{old}").status_code == 200 and client.get(f"/cases/{old}/sources").status_code == 200
    same = upload(client, changed, f"/teacher/pathways/{key}/version")
    assert "current version already" in client.get(same.headers["Location"]).get_data(as_text=True)


def test_a_version_that_is_another_case_or_not_a_pathway_is_refused(client, small_pathway_text):
    """The text of another loaded case is a 409; an invalid file is a 422 with located error lines."""
    first = key_of(upload(client, small_pathway_text))
    other_text = small_pathway_text.replace("name: Demo sarcoma", "name: Other demo")
    upload(client, other_text)
    assert upload(client, other_text, f"/teacher/pathways/{first}/version").status_code == 409
    broken = upload(client, small_pathway_text.replace("to: end}\n  - {event: progression, from: drug_b",
                                                       "to: nowhere}\n  - {event: progression, from: drug_b"),
                    f"/teacher/pathways/{first}/version", "broken.yaml")
    assert broken.status_code == 422
    assert re.search(r"broken\.yaml:\d+", broken.get_data(as_text=True))
    assert upload(client, "", f"/teacher/pathways/{first}/version").status_code in (400, 422)
    no_file = client.post(f"/teacher/pathways/{first}/version", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and "field &#39;file&#39;" in no_file.get_data(as_text=True)


def test_a_removed_case_leaves_the_list_and_its_attempts_stay_readable(app, small_pathway_text):
    """Removed: not offered, not startable (assignment 410), changes 409; attempts and the page still open."""
    client = app.test_client()
    key = key_of(upload(client, small_pathway_text))
    attempt = client.post("/cases", data={"case": key, "seed": "1"}).headers["Location"]
    class_page = client.post("/teacher/classes", data={"name": "T"}).headers["Location"]
    client.post(class_page + "/assignments", data={"case": key, "seed": "", "map": "shown", "due": ""})
    code = re.search(r'id="join-code">([A-Z0-9]+)<', client.get(class_page).get_data(as_text=True)).group(1)
    resident = app.test_client()
    resident.post("/join", data={"code": code, "name": "R"})
    assignment = re.search(r'action="(/assignments/[0-9a-f]+/start)"', resident.get("/").get_data(as_text=True))
    response = client.post(f"/teacher/pathways/{key}/remove")
    assert "Removed" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert key not in client.get("/").get_data(as_text=True)
    assert client.post("/cases", data={"case": key, "seed": "1"}).status_code == 400
    assert resident.post(assignment.group(1)).status_code == 410
    assert client.get(attempt).status_code == 200
    assert client.get(f"/teacher/pathways/{key}").status_code == 200
    for action in ("remove", "name"):
        assert client.post(f"/teacher/pathways/{key}/{action}", data={"name": "x"}).status_code == 409
    again = upload(client, small_pathway_text)
    assert key_of(again) != key and "Loaded:" in client.get(again.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/teacher/pathways/nosuch", "/teacher/pathways/file-00000000",
                                  "/teacher/pathways/gist"])
def test_unknown_pathways_are_404_pages(client, path):
    """Unknown keys: 404 for the page and each change, without a traceback."""
    assert client.get(path).status_code == 404
    for action in ("name", "remove", "version"):
        response = client.post(f"{path}/{action}", data={"name": "x"})
        assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)


def test_pathway_changes_need_the_teacher_session_when_a_token_is_set(tmp_path, small_pathway_text):
    """With a teacher token every management request without the session is a 403 and stores nothing."""
    app = create_app(tmp_path / "db.sqlite3", teacher_token="t" * 20)
    client = app.test_client()
    assert upload(client, small_pathway_text).status_code == 403
    assert client.get("/teacher/pathways/file-00000000").status_code == 403
    assert app.config["STORE"].pathways() == []
    app.config["STORE"].close()


def test_concurrent_uploads_of_one_file_store_one_case(tmp_path, small_pathway_text):
    """Twelve uploads of the same file at once (separate connections, released together) store exactly one case."""
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    start = threading.Barrier(12)
    keys, errors = [], []

    def load(n):
        store = Store(path)  # its own connection: a real concurrent writer
        try:
            start.wait()
            keys.append(store.add_pathway("Demo sarcoma", f"demo{n}.yaml", small_pathway_text))
        except Exception as error:  # noqa: BLE001 - the test reports any failure below
            errors.append(error)
        finally:
            store.close()

    threads = [threading.Thread(target=load, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({k for k, _ in keys}) == 1 and sum(new for _, new in keys) == 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM pathways").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM pathway_versions").fetchone()[0] == 1


def test_concurrent_uploads_through_the_app_store_one_case(app, small_pathway_text):
    """Eight clients posting the same file at once through the app all land on the one case's page."""
    start = threading.Barrier(8)
    found = []

    def post():
        client = app.test_client()
        start.wait()
        found.append(upload(client, small_pathway_text))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({key_of(r) for r in found}) == 1 and len(app.config["STORE"].pathways()) == 1
    assert sorted(r.headers["Location"].rsplit("=", 1)[-1] for r in found) == ["loaded"] + ["same"] * 7


def test_a_version_2_database_opens_with_its_pathways_and_attempts(tmp_path, small_pathway_text):
    """A file made by schema 2 (loaded pathway, attempt on it) opens: version 1 recorded, the attempt replays."""
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_V2.read_text(encoding="utf-8"))
        db.execute("INSERT INTO pathways (key, name, file_name, text, loaded) VALUES (?, ?, ?, ?, ?)",
                   ("file-0000abcd", "Demo sarcoma", "demo.yaml", small_pathway_text, 1.0))
        db.execute("INSERT INTO attempts (id, pathway_key, case_name, seed, answers, started) VALUES "
                   "('old-attempt-0001', 'file-0000abcd', 'Demo sarcoma [file-0000abcd]', 1, '[[1, 0]]', 2.0)")
        db.execute("INSERT INTO outbox (id, body, queued, next_try) VALUES ('s1', '{}', 1.0, 1.0)")
    app = create_app(path)
    store = app.config["STORE"]
    assert store.attempt("old-attempt-0001").pathway_version == text_hash(small_pathway_text)
    assert store.pathway_info("file-0000abcd")["versions"][0]["attempts"] == 1
    assert store.outbox_counts() == {"queued": 1, "sent": 0, "dead": 0}
    assert sum(p["answers"] for p in store.decision_points("file-0000abcd")) == 1
    client = app.test_client()
    assert client.get("/cases/old-attempt-0001").status_code == 200
    assert key_of(upload(client, small_pathway_text)) == "file-0000abcd"
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
