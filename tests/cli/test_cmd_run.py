"""The ``run`` command: timeline text, JSON, drawing, and every scenario error as exit 1 without a traceback."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from sarcoma_sim.cli.dispatch import NOT_FOR_CLINICAL_USE

from helpers.cli_runner import run_cli

CASE = """\
title: Exon 9 on the standard dose
patient:
  subtype: gist
  markers: {kit_exon: exon9, pdgfra: none}
  comedications: [clarithromycin]
start: {at: 0, choose: imatinib_400}
events:
  - {at: 14, event: progression, extent: widespread}
"""


@pytest.fixture
def case_file(tmp_path):
    """The exon 9 scenario written to a file."""
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return path


def write(tmp_path, text: str):
    """Write a scenario text and return its path as text."""
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_run_text_timeline(capsys, case_file):
    """The text timeline shows steps, regimens, doses, the choice, alerts with sources and the notice."""
    code, out, err = run_cli(capsys, "run", str(case_file))
    assert code == 0 and err == ""
    assert "Step 1  month 0  start" in out
    assert "workup -> imatinib_800_exon9: Imatinib 800 mg daily (KIT exon 9)" in out
    assert "regimen: imatinib 800 mg daily (400 mg twice daily) (line 1)" in out
    assert "chosen: imatinib_400" in out and "(OFF the guideline)" in out
    assert "ALERT KIT_EXON9_DOSE" in out
    assert 'source: evidence.md:20 "800 mg cut progression risk by 61% in exon 9"' in out
    assert "Step 2  month 14  progression (extent widespread)" in out
    assert "ALERT CYP3A4_INHIBITOR" in out
    assert "Final state at month 14: sunitinib_50_intermittent" in out
    assert "eortc-62005-genotype: EORTC 62005 genotype analysis" in out
    assert out.rstrip().endswith(NOT_FOR_CLINICAL_USE)


def test_run_json(capsys, case_file):
    """``--format json`` gives steps, alerts and the final state for scripts."""
    code, out, _ = run_cli(capsys, "run", str(case_file), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert [s["to"] for s in data["steps"]] == ["imatinib_800_exon9", "sunitinib_50_intermittent"]
    assert data["steps"][0]["choice"]["state"] == "imatinib_400"
    assert data["steps"][1]["dose"] == "50 mg orally once daily"
    assert [a["code"] for a in data["alerts"]] == ["OFF_GUIDELINE_CHOICE", "CYP3A4_INHIBITOR", "KIT_EXON9_DOSE",
                                                   "CYP3A4_INHIBITOR"]
    assert all(a["sources"] for a in data["alerts"])
    assert data["final_state"] == {"id": "sunitinib_50_intermittent",
                                   "label": "Sunitinib 50 mg, 4 weeks on / 2 weeks off",
                                   "kind": "therapy", "month": 14.0, "ended": False,
                                   "possible_events": ["progression", "intolerance"]}
    assert data["path"] == ["workup", "imatinib_800_exon9", "sunitinib_50_intermittent"]
    assert data["notice"] == NOT_FOR_CLINICAL_USE


@pytest.mark.parametrize("text, expected", [
    ("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {at: 5, event: progression}\n"
     "  - {at: 9, event: progression}\n",
     ":5 at events[1].event: event 'progression' at month 9 is impossible in state 'trial_or_supportive_care'"),
    ("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {at: 5, event: progression}\n  - {at: 2, event: progression}\n",
     ":5 at events[1].at: month 2 is before events[0] (month 5); times must not go backwards"),
    ("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {at: 5, event: progression, choose: imatinib_9000}\n",
     ":4 at events[0].choose: unknown state 'imatinib_9000' in choose"),
    ("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {event: progression}\n",
     ":4 at events[0]: 'at' is required but missing in event 0"),
    ("patient:\n  subtype: dfsp\n  markers: {alk: positive}\nstart: 0\n",
     ":3 at patient.markers.alk: unknown patient attribute 'alk' for subtype 'dfsp'"),
    ("patient:\n  subtype: sarcoma\nstart: 0\n", ":2 at patient.subtype: unknown subtype 'sarcoma'"),
    ("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {at: 1, event: start}\n",
     ":4 at events[0].event: event 'start' at month 1 is impossible in state 'imatinib'"),
])
def test_scenario_errors_exit_1_with_location(capsys, tmp_path, text, expected):
    """Each wrong scenario exits 1 with an error line naming file, line, event path and what was expected."""
    path = write(tmp_path, text)
    code, out, err = run_cli(capsys, "run", path)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {path}")
    assert expected in err
    assert "Traceback" not in err


def test_missing_scenario_file(capsys, tmp_path):
    """A scenario file that does not exist is exit 1 with its name."""
    code, _, err = run_cli(capsys, "run", str(tmp_path / "none.yaml"))
    assert code == 1 and "none.yaml: no such file" in err and "Traceback" not in err


def test_scenario_with_several_problems_lists_them_all(capsys, tmp_path):
    """Every problem of a scenario is reported in one run."""
    path = write(tmp_path, "patient: {subtype: dfsp}\nstart: -1\nevents:\n  - {at: x, event: relapse}\n")
    code, _, err = run_cli(capsys, "run", path)
    assert code == 1 and len(err.strip().splitlines()) == 3


def test_draw_writes_the_highlighted_path(capsys, case_file, tmp_path):
    """``--draw FILE`` writes the pathway drawing with the patient's path."""
    if importlib.util.find_spec("sarcoma_sim.pathways.draw") is None:
        pytest.skip("sarcoma_sim.pathways.draw (the diagram issue) is not in this checkout")
    target = tmp_path / "path.png"
    code, out, err = run_cli(capsys, "run", str(case_file), "--draw", str(target))
    assert code == 0, err
    assert target.stat().st_size > 0 and target.read_bytes()[:4] == b"\x89PNG"
    assert f"written to {target}" in out


def test_draw_walks_back_through_a_resection(capsys, tmp_path):
    """A path that revisits a state (imatinib after resection) is drawn as the walk it is."""
    if importlib.util.find_spec("sarcoma_sim.pathways.draw") is None:
        pytest.skip("sarcoma_sim.pathways.draw (the diagram issue) is not in this checkout")
    path = write(tmp_path, "patient: {subtype: gist, markers: {kit_exon: exon11}}\nstart: 0\nevents:\n"
                           "  - {at: 5, event: progression, extent: limited}\n  - {at: 6, event: resected}\n"
                           "  - {at: 9, event: progression}\n")
    target = tmp_path / "walk.svg"
    code, _, err = run_cli(capsys, "run", path, "--draw", str(target))
    assert code == 0, err
    assert target.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_draw_to_a_bad_suffix_is_an_error(capsys, case_file, tmp_path):
    """An undrawable target is exit 1 with the drawing module's message and no file left behind."""
    if importlib.util.find_spec("sarcoma_sim.pathways.draw") is None:
        pytest.skip("sarcoma_sim.pathways.draw (the diagram issue) is not in this checkout")
    target = tmp_path / "path.txt"
    code, _, err = run_cli(capsys, "run", str(case_file), "--draw", str(target))
    assert code == 1 and "error:" in err and "Traceback" not in err
    assert not target.exists()


def test_draw_without_the_drawing_module(capsys, case_file, tmp_path, monkeypatch):
    """If sarcoma_sim.pathways.draw cannot be imported, --draw is a clear error (exit 1), not a traceback."""
    monkeypatch.setitem(sys.modules, "sarcoma_sim.pathways.draw", None)
    code, out, err = run_cli(capsys, "run", str(case_file), "--draw", str(tmp_path / "x.png"))
    assert code == 1 and "--draw is not available" in err and "Traceback" not in err


def test_run_help_lists_options(capsys):
    """``run --help`` documents the format and draw options."""
    code, out, _ = run_cli(capsys, "run", "--help")
    assert code == 0 and "--format" in out and "--draw" in out


def test_run_draw_draws_the_path_taken_and_names_the_off_guideline_step(capsys, tmp_path):
    """``run --draw`` highlights the chosen state, follows the timeline to its end, names the off step by labels."""
    out_svg = tmp_path / "taken.svg"
    code, _, err = run_cli(capsys, "run", "examples/gist_exon9_standard_dose.yaml", "--draw", str(out_svg))
    assert code == 0, err
    svg = out_svg.read_text()
    assert "Off the guideline: step 1: Imatinib 400 mg daily given, the guideline gives Imatinib 800 mg daily" in svg
    # the path names states by their labels, as the boxes do, and follows the timeline to its end
    assert "Highlighted path: Histology and KIT/PDGFRA mutation testing → Imatinib 400 mg daily → Imatinib 800" in svg
    from sarcoma_sim.patient.scenario import load_scenario, run_scenario
    from sarcoma_sim.reports.taken_path import taken_walk
    result = run_scenario(load_scenario("examples/gist_exon9_standard_dose.yaml"))
    assert taken_walk(result)[-1] == result.final_state.id and len(result.steps) >= 2


def test_run_on_a_pathway_file(capsys, tmp_path):
    """``run --pathway FILE`` runs the scenario on a teacher's pathway file; a subtype mismatch is located."""
    from sarcoma_sim.pathways.load import subtype_path
    mine = tmp_path / "my_gist.yaml"
    mine.write_text(subtype_path("gist").read_text())
    code, out, err = run_cli(capsys, "run", "examples/gist_exon9_standard_dose.yaml", "--pathway", str(mine))
    assert code == 0 and "KIT_EXON9_DOSE" in out
    sft = tmp_path / "my_sft.yaml"
    sft.write_text(subtype_path("sft").read_text())
    code, out, err = run_cli(capsys, "run", "examples/gist_exon9_standard_dose.yaml", "--pathway", str(sft))
    assert code == 1 and "patient.subtype" in err and "does not match the pathway file" in err
