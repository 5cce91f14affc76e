"""The teacher's drill-down by decision: case -> decision point -> how the class answered -> the attempts.

Per class (``?class=ID``) or overall. A decision point's page gives, per option offered there, how
often it was offered and chosen, the share of answers choosing it, and whether it was one of the
guideline's options (at some points several are, and whether an option is right depends on the
patient, so the page says in how many of the offers it was); each count links to the attempts behind
it, and each attempt to its drill-down (the resident's page, or the attempt page for an anonymous
one). The counts are SQL aggregates over the decision rows stored with each answer. Also the alert
code pages: every code the app raises, explained with its sources; an unknown code is a 404 page.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request

from sarcoma_sim.pathways.load import SUBTYPE_IDS
from sarcoma_sim.web.decisions import POINT_ID
from sarcoma_sim.web.exports import attempt_rows, iso
from sarcoma_sim.web.pitfalls import CODE, pitfall, pitfalls
from sarcoma_sim.web.views_case import ATTEMPT_ID
from sarcoma_sim.web.views_teacher import require_teacher

blueprint = Blueprint("drill", __name__)
LOADED_KEY = re.compile(r"file-[0-9a-f]{8}")
MAX_OPTION = 2000


def _store():
    return current_app.config["STORE"]


def _klass() -> dict | None:
    """The class ``?class=ID`` narrows to (None: every attempt), or a 404 page."""
    class_id = request.args.get("class") or None
    if class_id is None:
        return None
    found = _store().class_by(class_id=class_id) if len(class_id) <= 32 else None
    if found is None:
        abort(404, "query 'class': no such class")
    return found


def _key_or_404(key: str) -> str:
    if key not in SUBTYPE_IDS and not LOADED_KEY.fullmatch(key):
        abort(404, f"no case {key[:40]!r}: expected a subtype id or a loaded pathway's key")
    return key


def _case_name(key: str, class_id: str | None) -> str:
    name = _store().decision_case_name(key, class_id)
    if name is None:
        abort(404, "no answered decision of this case" + (" in this class" if class_id else ""))
    return name


@blueprint.after_request
def no_store(response):
    """Drill-down pages name residents: no copy in a shared computer's cache."""
    if request.path.startswith("/teacher"):
        response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/teacher/cases")
def cases():
    """Every case with answered decisions: attempts, answers, share on the guideline."""
    require_teacher()
    klass = _klass()
    return render_template("drill_cases.html", klass=klass, cases=_store().decision_cases(klass and klass["id"]),
                           classes=_store().classes())


@blueprint.get("/teacher/cases/<key>")
def case_points(key: str):
    """One case: every decision point with its answers and the share on the guideline."""
    require_teacher()
    klass = _klass()
    class_id = klass["id"] if klass else None
    name = _case_name(_key_or_404(key), class_id)
    return render_template("drill_case.html", klass=klass, key=key, name=name,
                           points=_store().decision_points(key, class_id))


def _point(key: str, point: str, class_id: str | None) -> dict:
    if not POINT_ID.fullmatch(point):
        abort(404, "no such decision point")
    found = _store().decision_point(key, point, class_id)
    if found is None:
        abort(404, "no such decision point in this case" + (" for this class" if class_id else ""))
    return found


def _point_request(key: str, point: str) -> tuple[dict | None, str | None, str, dict]:
    """A teacher's request about one decision point: the class asked about (if any), its id, the case's
    name and the point, or the 403/404 page saying what is missing."""
    require_teacher()
    klass = _klass()
    class_id = klass["id"] if klass else None
    return klass, class_id, _case_name(_key_or_404(key), class_id), _point(key, point, class_id)


@blueprint.get("/teacher/cases/<key>/points/<point>")
def point_page(key: str, point: str):
    """How the class answered one decision point: the share choosing each option, the guideline's marked."""
    klass, class_id, name, found = _point_request(key, point)
    return render_template("drill_point.html", klass=klass, key=key, name=name, point=found,
                           options=_store().point_options(key, point, class_id),
                           alerts=_store().point_alerts(key, point, class_id))


@blueprint.get("/teacher/cases/<key>/points/<point>/chose")
def chose_page(key: str, point: str):
    """The attempts behind a share: every answer choosing ``?option=TEXT`` at the point, linked to its attempt."""
    klass, class_id, name, found = _point_request(key, point)
    option = request.args.get("option")
    if option is None or not option.strip() or len(option) > MAX_OPTION:
        abort(400, "query 'option': give the text of an option offered at this decision point")
    total, rows = _store().option_attempts(key, point, option, class_id)
    if not total:
        abort(404, "query 'option': nobody chose an option with this text at this decision point")
    for row in rows:
        row["started"] = iso(row["started"])
    return render_template("drill_chose.html", klass=klass, key=key, name=name, point=found, option=option,
                           total=total, rows=rows)


@blueprint.get("/teacher/attempts/<attempt_id>")
def attempt_page(attempt_id: str):
    """One attempt, anonymous or a resident's: every decision with the choice, the guideline, verdict and alerts."""
    require_teacher()
    found = _store().export_attempts(attempt_id=attempt_id) if ATTEMPT_ID.fullmatch(attempt_id) else []
    if not found:
        abort(404, "no such attempt")
    return render_template("attempt.html", who=found[0], attempts=attempt_rows(_store(), attempt_id=attempt_id),
                           decisions=_store().stored_decisions(attempt_id=attempt_id))


@blueprint.get("/alerts")
def alert_codes():
    """Every alert code the app raises, with its pitfall in one line."""
    return render_template("alerts.html", pitfalls=pitfalls())


@blueprint.get("/alerts/<code>")
def alert_code(code: str):
    """One alert code: the pitfall in plain words, when the app raises it, and its sources; unknown: 404."""
    found = pitfall(code) if CODE.fullmatch(code) else None
    if found is None:
        abort(404, f"no alert code {code[:60]!r}; the codes are listed at /alerts")
    return render_template("alert.html", pitfall=found)
