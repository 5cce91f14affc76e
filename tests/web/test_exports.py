"""Teacher exports per attempt and per decision: residents and classes named, unfinished marked, CSV safe."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from sarcoma_sim.web.app import create_app


@pytest.fixture
def app(tmp_path):
    """An app on loopback (teacher view open)."""
    app = create_app(tmp_path / "db.sqlite3")
    yield app
    app.config["STORE"].close()


def class_with_plays(app, name="=HYPERLINK(\"x\")"):
    """A class whose resident ``name`` finished one gist case and started another; plus one anonymous attempt."""
    teacher = app.test_client()
    response = teacher.post("/teacher/classes", data={"name": "Group 1"})
    class_id = response.headers["Location"].rsplit("/", 1)[1]
    code = app.config["STORE"].class_by(class_id=class_id)["code"]
    resident = app.test_client()
    assert resident.post("/join", data={"code": code, "name": name}).status_code == 303
    page = resident.post("/cases", data={"case": "gist", "seed": "3"}).headers["Location"]
    for _ in range(100):
        found = re.search(r'name="decision" value="(\d+)"', resident.get(page).get_data(as_text=True))
        if found is None:
            break
        resident.post(page + "/answer", data={"decision": found.group(1), "option": "1"})
    open_page = resident.post("/cases", data={"case": "gist", "seed": "4"}).headers["Location"]
    found = re.search(r'name="decision" value="(\d+)"', resident.get(open_page).get_data(as_text=True))
    resident.post(open_page + "/answer", data={"decision": found.group(1), "option": "2"})
    app.test_client().post("/cases", data={"case": "gist", "seed": "5"})
    return teacher, class_id


def read_csv(response) -> list[dict]:
    """The CSV body as dicts."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_attempts_csv_has_every_attempt_with_resident_class_iso_times_and_status(app):
    """Finished and unfinished attempts are both listed, marked; times are ISO 8601 UTC; anonymous has no name."""
    teacher, _ = class_with_plays(app)
    rows = read_csv(teacher.get("/teacher/export/attempts.csv"))
    assert [r["status"] for r in rows] == ["finished", "unfinished", "unfinished"]
    assert rows[0]["class"] == "Group 1" and rows[2]["resident"] == "" and rows[0]["seed"] == "3"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", rows[0]["finished"]) and rows[1]["finished"] == ""
    assert int(rows[0]["asked"]) >= 1


def test_decisions_csv_has_one_row_per_answer_and_the_option_chosen(app):
    """Each answered decision is a row with the option's number and wording, the verdict and the alerts."""
    teacher, _ = class_with_plays(app)
    rows = read_csv(teacher.get("/teacher/export/decisions.csv"))
    store = app.config["STORE"]
    answered = sum(len(a["answers"]) for a in store.export_attempts())
    assert len(rows) == answered and answered >= 2
    assert rows[-1]["status"] == "unfinished" and rows[-1]["option"] == "2" and rows[-1]["option_text"]
    assert {r["verdict"] for r in rows} <= {"right", "not_quite", "wrong"}
    assert all(r["guideline_options"] for r in rows)


def test_cells_starting_like_formulas_stay_text_in_the_csv_but_not_in_the_json(app):
    """A resident named like a formula is prefixed with ' in CSV; JSON keeps the name as typed."""
    teacher, _ = class_with_plays(app)
    rows = read_csv(teacher.get("/teacher/export/attempts.csv"))
    assert rows[0]["resident"] == "'=HYPERLINK(\"x\")"
    document = json.loads(teacher.get("/teacher/export/attempts.json").get_data(as_text=True))
    assert document[0]["resident"] == "=HYPERLINK(\"x\")" and len(document) == 3


def test_a_class_export_holds_only_that_class(app):
    """?class= narrows to the class's residents; an unknown class or export is 404."""
    teacher, class_id = class_with_plays(app, "Dr A")
    rows = json.loads(teacher.get(f"/teacher/export/decisions.json?class={class_id}").get_data(as_text=True))
    assert rows and {r["resident"] for r in rows} == {"Dr A"}
    assert teacher.get("/teacher/export/attempts.csv?class=nope").status_code == 404
    assert teacher.get("/teacher/export/people.csv").status_code == 404
    assert teacher.get("/teacher/export/attempts.xml").status_code == 404


def test_exports_need_the_teacher(tmp_path):
    """With a teacher token, exports without signing in are 403."""
    app = create_app(tmp_path / "db.sqlite3", teacher_token="s3cret-token-0001")
    assert app.test_client().get("/teacher/export/attempts.json").status_code == 403
    app.config["STORE"].close()
