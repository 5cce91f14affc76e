"""The scenario runner: a shipped example, or a pasted or uploaded scenario file, run and drawn."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request

from sarcoma_sim.errors import SarcomaSimError
from sarcoma_sim.patient.scenario import parse_scenario, run_scenario
from sarcoma_sim.web.diagrams import inline

blueprint = Blueprint("scenario", __name__)
MAX_SCENARIO_BYTES = 64 * 1024
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")


def examples_folder() -> Path | None:
    """The shipped examples: ``sarcoma_sim/examples`` when installed, ``examples/`` beside ``sim/`` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "examples", package.parent / "examples"):
        if folder.is_dir():
            return folder
    return None


def examples() -> dict[str, tuple[str, str]]:
    """Shipped examples: name -> (first comment line, text)."""
    found: dict[str, tuple[str, str]] = {}
    folder = examples_folder()
    if folder is None:
        return found
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".yaml") and item.is_file():
            text = item.read_text(encoding="utf-8")
            first = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), "")
            found[item.name[:-5]] = (first, text)
    return found


@blueprint.get("/scenarios")
def index():
    """Pick a shipped example, or paste or upload a scenario."""
    return render_template("scenarios.html", examples=examples(), limit=MAX_SCENARIO_BYTES)


def _submitted() -> tuple[str, str]:
    """(display name, text) of the scenario in the request; never a path on the server."""
    name = request.form.get("example", "")
    if name:
        shipped = examples()
        if name not in shipped:
            abort(400, f"field 'example': no shipped example is called {name[:60]!r}")
        return f"examples/{name}.yaml", shipped[name][1]
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(MAX_SCENARIO_BYTES + 1)
        display = SAFE_NAME.sub("_", upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:80] or "upload.yaml"
    else:
        text = request.form.get("text", "")
        if not text.strip():
            abort(400, "choose an example, paste a scenario or upload a file")
        data = text.encode("utf-8")
        display = "pasted scenario"
    if len(data) > MAX_SCENARIO_BYTES:
        abort(413, f"{display}: the scenario is larger than {MAX_SCENARIO_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        abort(400, f"{display}: not UTF-8 text (byte {error.start})")
    return display, text


@blueprint.post("/scenarios/run")
def run():
    """Run the scenario: timeline, alerts with sources and the drawn path, or its located errors."""
    display, text = _submitted()
    try:
        scenario = parse_scenario(text, display)
        result = run_scenario(scenario)
    except SarcomaSimError as error:
        return render_template("scenario_errors.html", file=display, lines=error.error_lines()), 422
    svg = inline(current_app.config["DRAWER"].result_svg(("subtype", result.pathway.id), result))
    cited = {}
    for step in result.steps:
        cited.update((s, result.pathway.sources[s].citation) for s in step.sources if s in result.pathway.sources)
    return render_template("scenario_result.html", scenario=scenario, result=result, svg=svg, cited=cited)
