"""Classes and residents: a teacher creates a class and reads out its join code; a resident joins.

A resident joins with the code and a display name (no password; a pseudonym is fine) and is
remembered by a random session id in a cookie (HttpOnly, SameSite=Strict, Secure over HTTPS, like
the teacher's); the store keeps only its SHA-256, so a copy of the database opens no session.
Attempts started with that cookie belong to the resident; without it they stay anonymous, as before.
A display name is 1 to ``MAX_NAME`` characters with no control, format (bidirectional overrides,
zero-width) or unassigned characters, so a name cannot disguise itself in the teacher's lists.
"""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

import sarcoma_sim.web.forms as forms
from sarcoma_sim.web.residents import RESIDENT_COOKIE, current_resident
from sarcoma_sim.web.store import JOIN_ALPHABET, JOIN_CODE_LENGTH
from sarcoma_sim.web.views_case import case_choices, playable, start_records
from sarcoma_sim.web.views_teacher import require_teacher

RESIDENT_SECONDS = 180 * 24 * 3600
MAX_NAME = 40

blueprint = Blueprint("classes", __name__)


def _store():
    return current_app.config["STORE"]


def display_name(form, field: str, max_length: int = MAX_NAME) -> str:
    """Field ``field`` as a display name of at most ``max_length`` characters, or a 400 page saying what is
    wrong with it."""
    raw = form.get(field, "")
    name = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not name:
        abort(400, f"field {field!r}: give a name (1 to {max_length} characters)")
    if len(name) > max_length:
        abort(400, f"field {field!r}: at most {max_length} characters, got {len(name)}")
    for char in name:
        if unicodedata.category(char).startswith("C"):
            abort(400, f"field {field!r}: character U+{ord(char):04X} (control or invisible) is not allowed")
    return name


def join_code(form) -> str:
    """The ``code`` field, upper-cased without spaces or dashes, or a 400 page."""
    raw = form.get("code", "")
    code = "".join(raw.split()).replace("-", "").upper() if isinstance(raw, str) else ""
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_ALPHABET for c in code):
        abort(400, f"field 'code': expected the {JOIN_CODE_LENGTH}-character join code the teacher gave, "
                   f"got {raw[:20]!r}" if isinstance(raw, str) else "field 'code': expected text")
    return code


@blueprint.get("/join")
def join_form():
    """Ask for the class's join code and a display name."""
    return render_template("join.html", resident=current_resident(), max_name=MAX_NAME, code_length=JOIN_CODE_LENGTH)


@blueprint.post("/join")
def join():
    """Join the class: a new resident remembered by a session cookie."""
    code = join_code(request.form)
    name = display_name(request.form, "name")
    found = _store().class_by(code=code)
    if found is None:
        abort(404, "field 'code': no class has this join code; check it with the teacher")
    session = secrets.token_urlsafe(32)
    if _store().join(found["id"], name, session) is None:
        abort(409, f"field 'name': someone in {found['name']} already uses this name; pick another")
    response = redirect(url_for("case.home"), 303)
    response.set_cookie(RESIDENT_COOKIE, session, max_age=RESIDENT_SECONDS, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/")
    return response


@blueprint.post("/leave")
def leave():
    """Forget the resident cookie in this browser (later attempts here are anonymous)."""
    response = redirect(url_for("case.home"), 303)
    response.delete_cookie(RESIDENT_COOKIE, httponly=True, samesite="Strict", secure=request.is_secure, path="/")
    return response


@blueprint.post("/teacher/classes")
def create_class():
    """Create a class and show its join code."""
    require_teacher()
    name = display_name(request.form, "name")
    class_id, _ = _store().new_class(name)
    return redirect(url_for("classes.class_page", class_id=class_id), 303)


@blueprint.get("/teacher/classes/<class_id>")
def class_page(class_id: str):
    """The class: its join code and, per resident, attempts started and finished and the score."""
    require_teacher()
    found = _store().class_by(class_id=class_id) if len(class_id) <= 32 else None
    if found is None:
        abort(404, "no such class")
    return render_template("class.html", klass=found, residents=_store().class_residents(class_id),
                           assignments=_store().assignments(class_id), progress=_store().progress(class_id),
                           choices=case_choices())


@blueprint.get("/teacher/classes/<class_id>/residents/<resident_id>")
def resident_page(class_id: str, resident_id: str):
    """One resident: every attempt (finished or not) and every decision with the choice, verdict and alerts.

    The decisions are read from the rows stored with each answer, not replayed: a resident with hundreds of
    attempts is one query.
    """
    from sarcoma_sim.web.exports import attempt_rows

    require_teacher()
    found = _store().class_by(class_id=class_id) if len(class_id) <= 32 else None
    residents = {r["id"]: r for r in _store().class_residents(class_id)} if found else {}
    if resident_id not in residents:
        abort(404, "no such resident in this class")
    return render_template("resident.html", klass=found, resident=residents[resident_id],
                           attempts=attempt_rows(_store(), resident_id=resident_id),
                           decisions=_store().stored_decisions(resident_id=resident_id))


def due_date(form) -> str | None:
    """The optional ``due`` field as an ISO 8601 date (YYYY-MM-DD), or a 400 page."""
    raw = form.get("due", "")
    raw = raw.strip() if isinstance(raw, str) else "?"
    if not raw:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(raw)
        return datetime.date.fromisoformat(raw).isoformat()
    except ValueError:
        abort(400, f"field 'due': expected a date as YYYY-MM-DD, got {raw[:20]!r}")


@blueprint.post("/teacher/classes/<class_id>/assignments")
def assign(class_id: str):
    """Set the class a case: fixed seed or a fresh patient each, map shown or hidden until the debrief, due date."""
    require_teacher()
    found = _store().class_by(class_id=class_id) if len(class_id) <= 32 else None
    if found is None:
        abort(404, "no such class")
    key = forms.one_of(request.form, "case", [k for k, _ in case_choices()])
    seed = forms.whole_number(request.form, "seed", 0, forms.MAX_SEED, required=False)
    hide = forms.one_of(request.form, "map", ["shown", "hidden"]) == "hidden"
    due = due_date(request.form)
    case_name, _ = playable(key)
    _store().add_assignment(class_id, key, case_name, seed, hide, due)
    return redirect(url_for("classes.class_page", class_id=class_id), 303)


@blueprint.post("/assignments/<assignment_id>/start")
def start_assignment(assignment_id: str):
    """Start an attempt of one of the resident's class's assignments (its seed, or a fresh patient)."""
    resident = current_resident()
    if resident is None:
        abort(403, "join the class first: assignments belong to a class")
    chosen = [a for a in _store().assignments(resident["class_id"]) if a["id"] == assignment_id]
    if not chosen:
        abort(404, "no such assignment in your class")
    assignment = chosen[0]
    _, version = playable(assignment["pathway_key"])
    seed = assignment["seed"] if assignment["seed"] is not None else secrets.randbelow(1_000_000)
    attempt_id = _store().new_attempt(assignment["pathway_key"], assignment["case"], seed, resident["id"],
                                      assignment["id"], assignment["hide_map"],
                                      start_records(assignment["pathway_key"], assignment["case"], resident["id"]),
                                      pathway_version=version)
    return redirect(url_for("case.play", attempt_id=attempt_id), 303)


@blueprint.after_request
def no_store(response):
    """Class pages name residents: no copy in a shared computer's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
