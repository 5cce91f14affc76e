"""Every example scenario's output equals its checked-in expected output; the examples cover everything.

To regenerate the expected files after an intended change of output, run
``SARCOMA_SIM_UPDATE_EXPECTED=1 python -m pytest tests/test_examples.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sarcoma_sim.cli.dispatch import main
from sarcoma_sim.pathways.load import SUBTYPE_IDS
from sarcoma_sim.patient.alerts import ALERT_CODES
from sarcoma_sim.patient.scenario import load_scenario, run_scenario

from helpers.paths import REPO

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
UPDATE = os.environ.get("SARCOMA_SIM_UPDATE_EXPECTED") == "1"


def expected_path(example: Path) -> Path:
    """The expected-output file beside an example."""
    return example.with_suffix(".expected.txt")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_output_matches_expected(example, capsys, monkeypatch):
    """``sarcoma-sim run examples/NAME.yaml`` prints exactly examples/NAME.expected.txt."""
    monkeypatch.chdir(REPO)
    code = main(["run", f"examples/{example.name}"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    expected = expected_path(example)
    if UPDATE:
        expected.write_text(out, encoding="utf-8")
    assert expected.exists(), f"{expected.name} is missing; set SARCOMA_SIM_UPDATE_EXPECTED=1 to write it"
    assert out == expected.read_text(encoding="utf-8")


def test_no_expected_file_without_its_example():
    """Every expected file belongs to an example (none left behind by a rename)."""
    orphans = [p.name for p in (REPO / "examples").glob("*.expected.txt")
               if not p.with_name(p.name.replace(".expected.txt", ".yaml")).exists()]
    assert orphans == []


def test_examples_cover_every_subtype_and_alert():
    """At least ten examples, together covering every shipped subtype and every alert code."""
    subtypes, codes = set(), set()
    for example in EXAMPLES:
        result = run_scenario(load_scenario(example))
        subtypes.add(result.pathway.id)
        codes.update(a.code for s in result.steps for a in s.alerts)
    assert len(EXAMPLES) >= 10
    assert subtypes == set(SUBTYPE_IDS)
    assert codes == set(ALERT_CODES)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_starts_with_what_it_teaches(example):
    """Each example opens with a comment saying what it teaches."""
    first = example.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Teaches ")
