"""The case player: pick a case, answer decisions, see the feedback, the live diagram and the debrief."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

import sarcoma_sim.web.forms as forms
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.patient.alerts import sentence
from sarcoma_sim.patient.wording import path_words, readable
from sarcoma_sim.web.cases import diagram_source, pathway_for, replay

blueprint = Blueprint("case", __name__)
ATTEMPT_ID = re.compile(r"[A-Za-z0-9_-]{16}")


def store():
    """The app's attempt store."""
    return current_app.config["STORE"]


def case_choices() -> list[tuple[str, str]]:
    """(key, name) of every playable case: shipped subtypes, then teacher-loaded pathways."""
    shipped = [(s, load_subtype(s).name) for s in SUBTYPE_IDS]
    return shipped + [(p["key"], f"{p['name']} (loaded: {p['file_name']})") for p in store().pathways()]


def attempt_or_404(attempt_id: str):
    """The stored attempt, or a 404 page."""
    found = store().attempt(attempt_id) if ATTEMPT_ID.fullmatch(attempt_id) else None
    if found is None:
        abort(404, "no such case attempt")
    return found


@blueprint.get("/")
def home():
    """Pick a case."""
    return render_template("home.html", choices=case_choices())


@blueprint.post("/cases")
def start():
    """Start an attempt of the chosen case with the given seed (or a new one) and go to it."""
    keys = [k for k, _ in case_choices()]
    key = forms.one_of(request.form, "case", keys)
    seed = forms.whole_number(request.form, "seed", 0, forms.MAX_SEED, required=False)
    if seed is None:
        seed = secrets.randbelow(1_000_000)
    pathway = pathway_for(store(), key)
    attempt_id = store().new_attempt(key, pathway.name if key in SUBTYPE_IDS else f"{pathway.name} [{key}]", seed)
    return redirect(url_for("case.play", attempt_id=attempt_id), 303)


def _state(attempt):
    return replay(pathway_for(store(), attempt.pathway_key), attempt.seed, attempt.answers)


@blueprint.get("/cases/<attempt_id>")
def play(attempt_id: str):
    """The case page: patient card, the pending decision or the debrief, the last feedback, the diagram."""
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    debrief = state.debrief
    return render_template("case.html", attempt=attempt, state=state, readable=readable, sentence=sentence,
                           taken=path_words(state.pathway, debrief.taken_path),
                           guideline=path_words(state.pathway, debrief.guideline_path),
                           last=state.history[-1] if state.history else None)


@blueprint.post("/cases/<attempt_id>/answer")
def answer(attempt_id: str):
    """Record an answer to the pending decision; a stale or malformed answer is a 4xx page."""
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    if state.pending is None:
        abort(409, "this case is over; start it again from its debrief")
    number = forms.whole_number(request.form, "decision", 1, 1000)
    if number != state.pending.number:
        abort(409, f"decision {number} is not the pending one (decision {state.pending.number}); "
                   "reload the case page")
    option = forms.whole_number(request.form, "option", 1, len(state.pending.options))
    if not store().add_answer(attempt.id, len(attempt.answers), (number, option - 1)):
        abort(409, "this decision was already answered; reload the case page")
    after = replay(state.pathway, attempt.seed, attempt.answers + ((number, option - 1),))
    if after.finished:
        alerts = [(d.number, a.code) for d, f in after.history for a in f.step.alerts]
        store().finish(attempt.id, after.debrief.right, after.debrief.asked, alerts)
    return redirect(url_for("case.play", attempt_id=attempt.id) + "#feedback", 303)


@blueprint.get("/cases/<attempt_id>/diagram.svg")
def diagram(attempt_id: str):
    """The pathway with the resident's path so far highlighted (SVG, each state titled on hover)."""
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    drawer = current_app.config["DRAWER"]
    svg = drawer.result_svg(diagram_source(store(), attempt.pathway_key), state.result)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})
