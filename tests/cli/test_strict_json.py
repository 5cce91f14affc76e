"""Every JSON document the tool writes is strict JSON: no NaN, Infinity or -Infinity, even for extreme values.

Python's ``json`` reads ``NaN`` and ``Infinity`` by default; the parser here refuses them, as
JavaScript's ``JSON.parse`` and most other readers do.
"""

from __future__ import annotations

import json

import pytest

from helpers.cli_runner import run_cli

CASE = """\
patient: {subtype: gist, markers: {kit_exon: exon9, pdgfra: none}, comedications: [clarithromycin]}
start: {at: 0, choose: imatinib_400}
events:
  - {at: 14, event: progression, extent: widespread}
"""


def strict_loads(text: str):
    """Parse ``text`` as JSON, refusing the non-standard constants NaN, Infinity and -Infinity."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_strict_parser_refuses_what_python_allows():
    """The parser these tests use really refuses ``Infinity`` and ``NaN``."""
    for text in ('{"mean": Infinity}', "[NaN]", "-Infinity"):
        with pytest.raises(ValueError):
            strict_loads(text)


@pytest.mark.parametrize("argv", [
    ["list", "--format", "json"],
    ["show", "gist", "--format", "json"],
    ["export", "gist", "--format", "json"],
])
def test_pathway_commands_print_strict_json(argv, capsys):
    """list, show and export print JSON a strict parser reads."""
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0
    strict_loads(out)


def test_run_prints_strict_json(tmp_path, capsys):
    """run --format json prints JSON a strict parser reads."""
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    code, out, _ = run_cli(capsys, "run", path, "--format", "json")
    assert code == 0
    strict_loads(out)


@pytest.mark.parametrize("engine", ["vectorized", "stepwise"])
@pytest.mark.parametrize("overrides", [
    ["imatinib_400.progression.median_months=1000000", "imatinib_400.intolerance.median_months=1000000"],
    pytest.param([], marks=pytest.mark.slow),
    pytest.param(["imatinib_400.progression.distribution=weibull", "imatinib_400.progression.shape=0.05"],
                 marks=pytest.mark.slow),
    pytest.param(["imatinib_400.progression.distribution=lognormal", "imatinib_400.progression.shape=10",
                  "imatinib_400.progression.median_months=0.000001"], marks=pytest.mark.slow),
])
def test_cohort_stdout_and_summary_file_are_strict_json(engine, overrides, tmp_path, capsys):
    """cohort --format json and its summary.json stay strict JSON at the edges of the accepted values."""
    sets = [arg for item in overrides for arg in ("--set", item)]
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 200, "--seed", 4, "--engine", engine, *sets,
                             "--format", "json", "--out", out_dir, "--no-plots")
    assert code == 0, err
    assert err == ""
    printed = strict_loads(out)
    assert strict_loads((out_dir / "summary.json").read_text(encoding="utf-8")) == printed
