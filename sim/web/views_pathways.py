"""Pathway management for the teacher: load a file, rename it, replace it by a new version, remove it.

A loaded pathway is a case residents can pick. The same file (the same text, by SHA-256) loaded
twice is one case: the second load says so and adds nothing. A new version replaces the text for new
attempts; attempts already played keep the version they were played on (their replay, debrief and
exports read it). A removed case leaves the list residents pick from, and its attempts stay readable.
Each write is one immediate SQLite transaction (see ``Store``), so concurrent loads store one case.
A file that is not a valid pathway gets the located ``error:`` lines ``sarcoma-sim validate`` prints.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from sarcoma_sim.errors import SarcomaSimError
from sarcoma_sim.pathways.load import parse_pathway
from sarcoma_sim.web.exports import iso
from sarcoma_sim.web.views_class import display_name
from sarcoma_sim.web.views_drill import LOADED_KEY
from sarcoma_sim.web.views_scenario import MAX_SCENARIO_BYTES, SAFE_NAME
from sarcoma_sim.web.views_teacher import require_teacher

blueprint = Blueprint("pathways", __name__)
MAX_PATHWAY_NAME = 120


def _store():
    return current_app.config["STORE"]


@blueprint.after_request
def no_store(response):
    """Teacher pages are not cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


class Refused(Exception):
    """An uploaded file that is not a valid pathway: its display name and located error lines."""

    def __init__(self, display: str, lines: list[str]):
        super().__init__(display)
        self.display, self.lines = display, lines


@blueprint.errorhandler(Refused)
def refused(error: Refused):
    """A 422 page with the file's located error lines."""
    return render_template("scenario_errors.html", file=error.display, lines=error.lines), 422


def uploaded() -> tuple[str, str, str]:
    """(display file name, text, pathway name) of the ``file`` field, checked as ``sarcoma-sim validate`` does."""
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
        raise Refused(display, error.error_lines()) from error
    return display, text, pathway.name


def _info_or_404(key: str) -> dict:
    found = _store().pathway_info(key) if LOADED_KEY.fullmatch(key) else None
    if found is None:
        abort(404, "no loaded pathway with this key")
    return found


def _open_or_409(key: str) -> dict:
    found = _info_or_404(key)
    if found["removed"] is not None:
        abort(409, "this pathway was removed; load the file again to make it a case")
    return found


def pathway_name(form) -> str:
    """Field ``name`` as a case name (1 to 120 characters, no control or invisible characters), or a 400 page."""
    return display_name(form, "name", MAX_PATHWAY_NAME)


@blueprint.post("/teacher/pathways")
def load():
    """Load a pathway file so residents can pick it; the same file twice is one case. Goes to its page."""
    require_teacher()
    display, text, name = uploaded()
    key, new = _store().add_pathway(name, display, text)
    return redirect(url_for("pathways.page", key=key, done="loaded" if new else "same"), 303)


@blueprint.get("/teacher/pathways/<key>")
def page(key: str):
    """A loaded pathway: its name, versions (with the attempts played on each), rename, replace, remove."""
    require_teacher()
    found = _info_or_404(key)
    done = request.args.get("done")
    for version in found["versions"]:
        version["loaded"] = iso(version["loaded"])
    return render_template("pathway.html", p=found, done=done if done in DONE else None, words=DONE)


DONE = {"loaded": "Loaded: residents can now pick this case on the Cases page.",
        "same": "This file was already loaded (the same text): it is this case, nothing was added.",
        "renamed": "Renamed.",
        "replaced": "The new version is loaded: new attempts use it, earlier attempts keep the version they were "
                    "played on.",
        "unchanged": "This file is the current version already: nothing changed.",
        "removed": "Removed: residents can no longer pick it; its attempts stay readable."}


@blueprint.post("/teacher/pathways/<key>/name")
def rename(key: str):
    """Rename the case (the name residents pick); attempts keep the name they were played under."""
    require_teacher()
    _open_or_409(key)
    name = pathway_name(request.form)
    _store().rename_pathway(key, name)
    return redirect(url_for("pathways.page", key=key, done="renamed"), 303)


@blueprint.post("/teacher/pathways/<key>/version")
def replace(key: str):
    """Load a new version of the case's file; earlier attempts keep theirs."""
    require_teacher()
    _open_or_409(key)
    display, text, name = uploaded()
    outcome, detail = _store().replace_pathway(key, name, display, text)
    if outcome == "taken":
        abort(409, f"field 'file': this file is already loaded as another case ({detail}); remove that one first")
    if outcome == "missing":
        abort(409, "this pathway was removed meanwhile")
    return redirect(url_for("pathways.page", key=key, done="replaced" if outcome == "replaced" else "unchanged"),
                    303)


@blueprint.post("/teacher/pathways/<key>/remove")
def remove(key: str):
    """Take the case off the list residents pick from; its attempts stay readable."""
    require_teacher()
    _open_or_409(key)
    _store().remove_pathway(key)
    return redirect(url_for("pathways.page", key=key, done="removed"), 303)
