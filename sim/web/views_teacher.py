"""The teacher view: attempts by case and by alert code, CSV downloads, loading a pathway file.

On loopback the view is open; bound beyond loopback it needs the token ``serve`` printed, given
once in a form (kept in a same-site, HTTP-only cookie) or as ``?token=``.
"""

from __future__ import annotations

import csv
import hmac
import io

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from sarcoma_sim.errors import SarcomaSimError
from sarcoma_sim.pathways.load import parse_pathway
from sarcoma_sim.web.views_scenario import MAX_SCENARIO_BYTES, SAFE_NAME

TEACHER_COOKIE = "sarcoma_sim_teacher"

blueprint = Blueprint("teacher", __name__)


def _token_ok(given: str | None) -> bool:
    token = current_app.config["TEACHER_TOKEN"]
    return token is None or (isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode()))


def require_teacher() -> None:
    """A 403 page unless the teacher token is not needed or was given."""
    if not (_token_ok(request.cookies.get(TEACHER_COOKIE)) or _token_ok(request.args.get("token"))):
        abort(403, "the teacher view needs the token printed by 'sarcoma-sim serve'; enter it at /teacher/login")


def _store():
    return current_app.config["STORE"]


@blueprint.get("/teacher/login")
def login_form():
    """Ask for the teacher token."""
    return render_template("login.html")


@blueprint.post("/teacher/login")
def login():
    """Check the token and keep it in a cookie."""
    given = request.form.get("token", "")
    if current_app.config["TEACHER_TOKEN"] is None or not _token_ok(given):
        abort(403, "wrong teacher token")
    response = redirect(url_for("teacher.view"), 303)
    response.set_cookie(TEACHER_COOKIE, given, httponly=True, samesite="Strict")
    return response


@blueprint.get("/teacher")
def view():
    """Counts by case and by alert code."""
    require_teacher()
    store = _store()
    return render_template("teacher.html", cases=store.by_case(), alerts=store.by_alert(),
                           pairs=store.alerts_by_case(), pathways=store.pathways())


def _csv(rows: list[dict], columns: list[str], name: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.get("/teacher/attempts.csv")
def attempts_csv():
    """Every finished attempt: case, seed, score, alert codes raised."""
    require_teacher()
    return _csv(_store().finished_attempts(),
                ["attempt", "case", "seed", "started", "finished", "right", "asked", "alerts"], "attempts.csv")


@blueprint.get("/teacher/alerts.csv")
def alerts_csv():
    """Per case and alert code, in how many finished attempts the alert was raised."""
    require_teacher()
    return _csv(_store().alerts_by_case(), ["case", "code", "attempts"], "alerts.csv")


@blueprint.post("/teacher/pathways")
def load_pathway():
    """Load a pathway file (checked like ``sarcoma-sim validate``) so residents can play it."""
    require_teacher()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, "field 'file': choose a pathway file (.yaml) to upload")
    data = upload.read(MAX_SCENARIO_BYTES + 1)
    display = SAFE_NAME.sub("_", upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:80] or "pathway.yaml"
    if len(data) > MAX_SCENARIO_BYTES:
        abort(413, f"{display}: the pathway file is larger than {MAX_SCENARIO_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        abort(400, f"{display}: not UTF-8 text (byte {error.start})")
    try:
        pathway = parse_pathway(text, display)
    except SarcomaSimError as error:
        return render_template("scenario_errors.html", file=display, lines=error.error_lines()), 422
    _store().add_pathway(pathway.name, display, text)
    return redirect(url_for("teacher.view"), 303)
