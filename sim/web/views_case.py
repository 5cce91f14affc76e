"""The case player: pick a case, answer decisions, see the feedback, the live diagram and the debrief."""

from __future__ import annotations

import json
import logging
import re
import secrets

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

import sarcoma_sim.web.forms as forms
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.patient.alerts import ALL_CITATIONS, sentence
from sarcoma_sim.patient.wording import hidden_lines, path_words, readable
from sarcoma_sim.web import maps, xapi
from sarcoma_sim.web.cases import diagram_source, pathway_for, replay
from sarcoma_sim.web.decisions import decision_record
from sarcoma_sim.web.diagrams import neutral_labels
from sarcoma_sim.web.residents import current_resident
from sarcoma_sim.web.store import Outcome

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
    resident = current_resident()
    assignments, progress = [], {}
    if resident is not None:
        assignments = store().assignments(resident["class_id"])
        progress = {a: p for (r, a), p in store().progress(resident["class_id"]).items() if r == resident["id"]}
    return render_template("home.html", choices=case_choices(), resident=resident, assignments=assignments,
                           progress=progress)


@blueprint.post("/cases")
def start():
    """Start an attempt of the chosen case with the given seed (or a new one) and go to it."""
    keys = [k for k, _ in case_choices()]
    key = forms.one_of(request.form, "case", keys)
    seed = forms.whole_number(request.form, "seed", 0, forms.MAX_SEED, required=False)
    if seed is None:
        seed = secrets.randbelow(1_000_000)
    case_name, version = playable(key)
    resident = current_resident()
    attempt_id = store().new_attempt(key, case_name, seed, resident["id"] if resident else None,
                                     statements=start_records(key, case_name, resident["id"] if resident else None),
                                     pathway_version=version)
    if not current_app.config.get("HIDE_MAP"):
        # the whole map of this pathway drawn now, in a worker, for every walk: the resident opens it
        # later. Only a head start: the attempt is stored, so nothing here may fail its page (a
        # resident retrying would start a second attempt); the map page draws it if this did not
        try:
            current_app.config["DRAWER"].prepare_neutral_map(diagram_source(store(), key, version),
                                                             neutral_labels(pathway_for(store(), key, version)))
        except Exception:
            logging.getLogger("sarcoma_sim.web").exception("drawing the map ahead failed")
    return redirect(url_for("case.play", attempt_id=attempt_id), 303)


def playable(key: str) -> tuple[str, str | None]:
    """(case name, version hash) a new attempt of case ``key`` is stored with; a removed case is a 410 page."""
    if key in SUBTYPE_IDS:
        return load_subtype(key).name, None
    current = store().pathway_current(key)
    if current is None:
        abort(410, "this loaded pathway was removed by the teacher; pick another case")
    name, version = current
    pathway_for(store(), key, version)  # parsed now, so a file that no longer loads fails here, not mid-case
    return f"{name} [{key}]", version


def _state(attempt):
    return replay(pathway_for(store(), attempt.pathway_key, attempt.pathway_version), attempt.seed, attempt.answers)


@blueprint.get("/cases/<attempt_id>")
def play(attempt_id: str):
    """The case page: patient card, the pending decision or the debrief, the last feedback, the diagram."""
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    debrief = state.debrief
    return render_template("case.html", attempt=attempt, state=state, readable=readable, sentence=sentence,
                           taken=path_words(state.pathway, debrief.taken_path),
                           guideline=path_words(state.pathway, debrief.guideline_path),
                           hidden=hidden_lines(debrief), show_map=map_shown(state, attempt),
                           source_anchor=source_anchor,
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
    after = replay(state.pathway, attempt.seed, attempt.answers + ((number, option - 1),))
    # The last answer and the finish are one write: both stored, or neither (a re-post then works).
    outcome = (Outcome(after.debrief.right, after.debrief.asked,
                       tuple((d.number, a.code) for d, f in after.history for a in f.step.alerts))
               if after.finished else None)
    if not store().add_answer(attempt.id, len(attempt.answers), (number, option - 1), outcome,
                              answer_records(attempt, after), decision_record(*after.history[-1])):
        abort(409, "this decision was already answered; reload the case page")
    return redirect(url_for("case.play", attempt_id=attempt.id) + "#feedback", 303)


def _lrs_on() -> bool:
    return current_app.config.get("LRS_SENDER") is not None


def start_records(pathway_key: str, case_name: str, resident_id: str | None):
    """With an LRS: what makes the attempt's ``initialized`` statement once its id is known (else None)."""
    if not _lrs_on():
        return None
    home, actor = request.url_root, resident_id or "anonymous"

    def records(attempt_id: str, now: float) -> list[tuple[str, str]]:
        statement = xapi.check(xapi.initialized(attempt_id, actor, home, pathway_key, case_name, now))
        return [(statement["id"], xapi.dumps(statement))]
    return records


def answer_records(attempt, after) -> list[tuple[str, str]]:
    """With an LRS: ``answered`` for the decision just answered, and ``completed`` if it ended the case."""
    if not _lrs_on():
        return []
    import time

    now, home, actor = time.time(), request.url_root, attempt.resident_id or "anonymous"
    decision, feedback = after.history[-1]
    statements = [xapi.answered(attempt.id, actor, home, attempt.pathway_key, decision, feedback, now)]
    if after.finished:
        statements.append(xapi.completed(attempt.id, actor, home, attempt.pathway_key, attempt.case_name,
                                         after.debrief.right, after.debrief.asked, attempt.started, now))
    return [(s["id"], xapi.dumps(xapi.check(s))) for s in statements]


def map_shown(state, attempt=None) -> bool:
    """Whether the case shows its maps now: always, unless the server or the assignment hides them until the debrief."""
    hidden = current_app.config.get("HIDE_MAP", False) or (attempt is not None and attempt.hide_map)
    return state.finished or not hidden


def _svg(svg: str) -> Response:
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@blueprint.get("/cases/<attempt_id>/diagram.svg")
def diagram(attempt_id: str):
    """The focus view: where the resident came from, where they are, where the options lead (SVG).

    While a decision is pending it names no marker or condition; at the debrief it shows the
    resident's path beside the guideline's path for this patient; a hidden map is a 404 until the debrief.
    """
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    if not map_shown(state, attempt):
        abort(404, "the teacher has hidden the map until the debrief")
    if state.finished:  # the debrief: the resident's path beside the guideline's (the whole map is a link)
        return _svg(maps.paths_svg(attempt.pathway_key, state))
    return _svg(maps.focus_svg(attempt.pathway_key, state))


@blueprint.get("/cases/<attempt_id>/guideline.svg")
def guideline_diagram(attempt_id: str):
    """At the debrief: the guideline's path for this patient from the start, highlighted on the whole pathway."""
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    if not state.finished:
        abort(409, "the guideline's path is shown once the case is over")
    walk = [s for i, s in enumerate(state.debrief.guideline_path) if i == 0 or s != state.debrief.guideline_path[i - 1]]
    drawer = current_app.config["DRAWER"]
    title = f"{state.pathway.name}: the guideline's path for this patient"
    return _svg(drawer.svg(diagram_source(store(), attempt.pathway_key, attempt.pathway_version), walk, title))


@blueprint.get("/cases/<attempt_id>/map")
def whole_map(attempt_id: str):
    """The whole pathway as a page of its own, at full size (scrolls), the resident's path highlighted."""
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    if not map_shown(state, attempt):
        abort(404, "the teacher has hidden the map until the debrief")
    return render_template("map.html", attempt=attempt, state=state)


@blueprint.get("/cases/<attempt_id>/map.svg")
def whole_map_svg(attempt_id: str):
    """The whole pathway (SVG): neutral while a decision is pending, with labels and conditions after the case."""
    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    if not map_shown(state, attempt):
        abort(404, "the teacher has hidden the map until the debrief")
    drawer = current_app.config["DRAWER"]
    source = diagram_source(store(), attempt.pathway_key, attempt.pathway_version)
    if state.pending is not None:
        return _svg(maps.neutral_map_svg(drawer, source, state))
    return _svg(drawer.result_svg(source, state.result))


@blueprint.get("/cases/<attempt_id>/transcript.json")
def transcript(attempt_id: str):
    """The finished case as the JSON transcript ``teach --format json`` prints (docs/teach-transcript.md)."""
    from sarcoma_sim.patient.transcript import transcript as make_transcript

    attempt = attempt_or_404(attempt_id)
    state = _state(attempt)
    if not state.finished:
        abort(409, "the transcript is offered once the case is over")
    stopped = "pathway_ended" if state.debrief.ended else "max_decisions"
    document = make_transcript(state.pathway, state.seed, state.debrief, stopped)
    return Response(json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="case-{attempt.id}.json"'})


def source_anchor(text: str) -> str:
    """The anchor on the sources page of a source as written in feedback (``id: citation``, ``file:line "..."``)."""
    quoted = re.match(r"^([\w.-]+\.md):(\d+) ", text)
    if quoted:
        return f"cite-{quoted.group(1).replace('.', '-')}-{quoted.group(2)}"
    return "src-" + re.sub(r"[^\w-]", "-", text.split(":", 1)[0])


@blueprint.get("/cases/<attempt_id>/sources")
def sources(attempt_id: str):
    """Every source of the case's pathway and every quoted line, with its full citation."""
    attempt = attempt_or_404(attempt_id)
    pathway = pathway_for(store(), attempt.pathway_key, attempt.pathway_version)
    documents = {"source-guideline.md": pathway.sources["source-guideline"].citation
                 if "source-guideline" in pathway.sources else "the project's source guideline",
                 "evidence.md": "docs/clinical/evidence.md: the project's evidence table (each figure marked S or U)"}
    quotes = [(source_anchor(str(c)), c, documents.get(c.document, c.document)) for c in ALL_CITATIONS]
    listed = [(source_anchor(f"{s.id}: x"), s) for s in pathway.sources.values()]
    known = {anchor for anchor, _ in listed} | {anchor for anchor, _, _ in quotes}
    named = [s for _, fb in _state(attempt).history
             for s in (*fb.sources, *(source for alert in fb.step.alerts for source in alert.sources))]
    # Label guidance and classifications quoted from the interaction table are cited as whole sentences.
    others = {source_anchor(s): s for s in named if source_anchor(s) not in known}
    return render_template("sources.html", attempt=attempt, pathway=pathway, listed=listed, quotes=quotes,
                           others=sorted(others.items()))
