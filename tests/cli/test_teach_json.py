"""``teach --format json``: one JSON transcript whose fields are the ones docs/teach-transcript.md documents."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

from sarcoma_sim.cli.dispatch import main
from sarcoma_sim.patient.transcript import DECISION_KEYS, TRANSCRIPT_KEYS

DOC = Path(__file__).resolve().parents[2] / "docs" / "teach-transcript.md"


def documented_fields(heading: str) -> list[str]:
    """The field names of the table under ``heading`` in the transcript document."""
    text = DOC.read_text().split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M)


def run_json(capsys, monkeypatch, answers: str, *argv: str) -> tuple[int, dict]:
    """Run ``teach --format json`` in-process with ``answers`` on stdin; the exit code and the document."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(answers))
    code = main(["teach", *argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


def test_transcript_fields_are_the_documented_ones(capsys, monkeypatch):
    """The document's and each decision's keys are exactly the fields the docs list, in order."""
    assert list(TRANSCRIPT_KEYS) == documented_fields("## The document")
    assert list(DECISION_KEYS) == documented_fields("## A decision")
    code, doc = run_json(capsys, monkeypatch, "x\n1\n2\n1\n1\n1\n1\n", "gist", "--seed", "4")
    assert code == 0 and list(doc) == list(TRANSCRIPT_KEYS) and doc["decisions"]
    for decision in doc["decisions"]:
        assert list(decision) == list(DECISION_KEYS)
        assert decision["answer_text"] == decision["options"][decision["answer"] - 1]
        assert decision["verdict"] in ("right", "not_quite", "wrong")
    assert doc["taken_path"][0]["id"] == doc["guideline_path"][0]["id"] == "workup"
    assert doc["score"]["asked"] == len(doc["decisions"])


def test_transcript_reveals_the_hidden_results_at_the_end(capsys, monkeypatch):
    """An untested KIT/PDGFRA case: the hidden results are in the transcript, the card showed ``not_tested``."""
    for seed in range(60):
        code, doc = run_json(capsys, monkeypatch, "1\n" * 12, "gist", "--seed", str(seed))
        if "kit_exon" in doc["hidden_results"]:
            assert doc["decisions"][0]["card"]["kit_exon"] == "not_tested"
            assert doc["hidden_results"]["kit_exon"] != "not_tested"
            return
    raise AssertionError("no GIST case with KIT untested in 60 seeds")


def test_end_of_input_stops_with_a_transcript(capsys, monkeypatch):
    """No answers at all: still one JSON document, stopped at the end of input, nothing asked."""
    code, doc = run_json(capsys, monkeypatch, "", "imt", "--seed", "1")
    assert code == 0 and doc["stopped"] == "end_of_input" and doc["decisions"] == [] and doc["score"]["asked"] == 0
