"""Teacher downloads per attempt and per decision, as CSV (formula-safe cells) or JSON; ``?class=`` narrows."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, request

from sarcoma_sim.web.exports import ATTEMPT_COLUMNS, DECISION_COLUMNS, attempt_rows, decision_rows
from sarcoma_sim.web.views_teacher import _csv, require_teacher

blueprint = Blueprint("exports", __name__)
KINDS = {"attempts": (attempt_rows, ATTEMPT_COLUMNS), "decisions": (decision_rows, DECISION_COLUMNS)}


@blueprint.get("/teacher/export/<kind>.<fmt>")
def export(kind: str, fmt: str):
    """Every attempt or every decision (unfinished attempts included, marked), as CSV or JSON."""
    require_teacher()
    if kind not in KINDS or fmt not in ("csv", "json"):
        abort(404, "exports are attempts.csv, attempts.json, decisions.csv and decisions.json")
    store = current_app.config["STORE"]
    class_id = request.args.get("class") or None
    if class_id is not None and (len(class_id) > 32 or store.class_by(class_id=class_id) is None):
        abort(404, "no such class")
    make, columns = KINDS[kind]
    rows = make(store, class_id)
    name = f"{kind}{'-' + class_id if class_id else ''}.{fmt}"
    if fmt == "csv":
        response = _csv(rows, columns, name)
    else:
        response = Response(json.dumps(rows, indent=1, ensure_ascii=False), mimetype="application/json",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    response.headers["Cache-Control"] = "no-store"
    return response
