"""The teacher view: attempts by case and by alert code, CSV downloads, the learning-records outbox.

On loopback the view is open; bound beyond loopback (or with ``--teacher-token-file``) it needs
the token ``serve`` printed. The token is posted once to the sign-in form and exchanged for a
random session id kept in a cookie (HttpOnly, SameSite=Strict, Secure when the page came over
HTTPS), so the token itself never travels again nor sits in a URL or the browser's cookie store;
signing out forgets the session. Teacher pages and downloads are sent ``Cache-Control: no-store``
(no copy left in a shared computer's cache).

CSV cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return: OWASP's "CSV injection" rule) are prefixed with ``'`` so they stay text.
"""

from __future__ import annotations

import csv
import hmac
import io
import secrets
import threading
import time

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

TEACHER_COOKIE = "sarcoma_sim_teacher"
SESSION_SECONDS = 12 * 3600
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

blueprint = Blueprint("teacher", __name__)


class Sessions:
    """Signed-in teachers' random session ids, each valid ``SESSION_SECONDS`` (kept in memory only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expires: dict[str, float] = {}

    def new(self) -> str:
        """A new session id."""
        session = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._expires = {k: v for k, v in self._expires.items() if v > now}
            self._expires[session] = now + SESSION_SECONDS
        return session

    def valid(self, session: str | None) -> bool:
        """Whether ``session`` is a current session id."""
        if not isinstance(session, str):
            return False
        with self._lock:
            return self._expires.get(session, 0.0) > time.monotonic()

    def end(self, session: str | None) -> None:
        """Forget ``session``."""
        with self._lock:
            self._expires.pop(session or "", None)


def _token_needed() -> bool:
    return current_app.config["TEACHER_TOKEN"] is not None


def _token_ok(given: str | None) -> bool:
    token = current_app.config["TEACHER_TOKEN"]
    return isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode())


def _sessions() -> Sessions:
    return current_app.config["TEACHER_SESSIONS"]


def require_teacher() -> None:
    """A 403 page unless the teacher token is not needed or this browser signed in."""
    if _token_needed() and not _sessions().valid(request.cookies.get(TEACHER_COOKIE)):
        abort(403, "the teacher view needs the token printed by 'sarcoma-sim serve'; sign in at /teacher/login")


@blueprint.after_request
def no_store(response):
    """No teacher page or download is kept in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _store():
    return current_app.config["STORE"]


@blueprint.get("/teacher/login")
def login_form():
    """Ask for the teacher token."""
    return render_template("login.html")


@blueprint.post("/teacher/login")
def login():
    """Check the token and give this browser a new session id in a cookie."""
    given = request.form.get("token", "")
    if not _token_needed():
        return redirect(url_for("teacher.view"), 303)
    if not _token_ok(given):
        abort(403, "wrong teacher token")
    response = redirect(url_for("teacher.view"), 303)
    response.set_cookie(TEACHER_COOKIE, _sessions().new(), max_age=SESSION_SECONDS, httponly=True,
                        samesite="Strict", secure=request.is_secure, path="/")
    return response


@blueprint.post("/teacher/logout")
def logout():
    """Sign out: the session is forgotten and its cookie deleted."""
    _sessions().end(request.cookies.get(TEACHER_COOKIE))
    response = redirect(url_for("teacher.login_form"), 303)
    response.delete_cookie(TEACHER_COOKIE, httponly=True, samesite="Strict", secure=request.is_secure, path="/")
    return response


@blueprint.get("/teacher")
def view():
    """Counts by case and by alert code."""
    require_teacher()
    store = _store()
    return render_template("teacher.html", cases=store.by_case(), alerts=store.by_alert(),
                           pairs=store.alerts_by_case(), pathways=store.pathways(), classes=store.classes(),
                           signed_in=_token_needed(), lrs=current_app.config.get("LRS_SENDER") is not None,
                           outbox=store.outbox_counts(), refusals=store.outbox_refusals())


def csv_cell(value):
    """``value`` safe for a spreadsheet: text starting like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(rows: list[dict], columns: list[str], name: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
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


@blueprint.post("/teacher/outbox/retry")
def outbox_retry():
    """Queue again every learning record the LRS refused (after the teacher fixed what it objected to)."""
    require_teacher()
    _store().outbox_revive()
    return redirect(url_for("teacher.view") + "#lrs", 303)
