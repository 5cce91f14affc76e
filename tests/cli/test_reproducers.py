"""The hostile-input reproducers (issue 13): each ends in a located ``error:`` line and exit 1, or succeeds sanely.

The files are copies of ``shared/reliability/reproducers/`` kept in ``tests/data/reproducers/``.
r05 (GraphML control characters) and r08 (layout speed) belong to the diagrams work and are
tested there; here they only must not crash the commands this module covers.
"""

from __future__ import annotations

import json
import time

import pytest

from helpers.cli_runner import run_cli
from helpers.paths import REPRODUCERS


def strict_json(text: str):
    """Parse JSON, refusing NaN and Infinity (which Python's json accepts by default)."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def assert_one_error(code, out, err, *fragments):
    """Exit 1 and ``error:`` lines only (each one line, no traceback), holding every fragment."""
    assert code == 1, (out, err)
    lines = err.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_r01_huge_start_is_a_located_scenario_error(capsys):
    """A 401-digit ``start:`` is refused at its line and path, without an OverflowError."""
    path = REPRODUCERS / "r01_scenario_bigint.yaml"
    assert_one_error(*run_cli(capsys, "run", path), f"{path}:2 at start", "too large")


def test_r02_huge_parameter_is_a_located_parameter_error(capsys):
    """A 401-digit median in --params is refused at its line and path."""
    path = REPRODUCERS / "r02_params_bigint.yaml"
    assert_one_error(*run_cli(capsys, "cohort", "dfsp", "-n", 1, "--seed", 1, "--params", path),
                     f"{path}:2 at states.imatinib.progression.median_months.months", "too large")


def test_r03_huge_pathway_number_is_a_located_pathway_error(capsys):
    """A 401-digit imaging interval in a pathway is refused by validate at its line and path."""
    path = REPRODUCERS / "r03_pathway_bigint.yaml"
    assert_one_error(*run_cli(capsys, "validate", path), f"{path}:4 at monitoring.imaging_interval_months.min",
                     "too large")


@pytest.mark.parametrize("command", [["validate"], ["export", "--format", "json"], ["show", "--format", "json"]])
def test_r04_infinite_interval_is_refused_everywhere(capsys, command):
    """``max: .inf`` fails validation, so no command prints ``Infinity`` as JSON."""
    path = REPRODUCERS / "r04_pathway_nan_interval.yaml"
    code, out, err = run_cli(capsys, *command, path)
    assert_one_error(code, out, err, f"{path}:4 at monitoring.imaging_interval_months.max", "finite number")
    assert "Infinity" not in out


def test_r05_control_character_label_does_not_crash_reading_commands(capsys):
    """A label holding a control character: validate and show end without a traceback."""
    path = REPRODUCERS / "r05_pathway_ctrl_label.yaml"
    for command in (["validate"], ["show", "--format", "json"]):
        code, out, _ = run_cli(capsys, *command, path)
        assert code in (0, 1)
        if code == 0 and command[0] == "show":
            strict_json(out)


def test_r06_many_comedications_run_in_linear_time(capsys):
    """20,000 co-medications (one drug repeated) run in well under the 30 s the quadratic loop took."""
    started = time.perf_counter()
    code, out, _ = run_cli(capsys, "run", REPRODUCERS / "r06_many_meds.yaml")
    assert code == 0
    assert time.perf_counter() - started < 10
    assert "co-medication: rifampicin (strong CYP3A4 inducer)\n" in out


def test_r06_many_distinct_comedications_run_quickly(capsys, tmp_path):
    """20,000 distinct unknown co-medications are listed, and the run stays near-linear."""
    drugs = ", ".join(f"drug{i}" for i in range(20_000))
    path = tmp_path / "meds.yaml"
    path.write_text(f"patient: {{subtype: dfsp, comedications: [{drugs}]}}\nstart: 0\n", encoding="utf-8")
    started = time.perf_counter()
    code, out, _ = run_cli(capsys, "run", path)
    assert code == 0 and "drug19999" in out
    assert time.perf_counter() - started < 10


def test_r07_control_character_is_one_located_line(capsys):
    """A raw control character in a scenario: one ``error:`` line with the file, line and column."""
    path = REPRODUCERS / "r07_ctrl_char.yaml"
    code, out, err = run_cli(capsys, "run", path)
    assert_one_error(code, out, err, f"{path}:3", "column 9", "U+0001")
    assert len(err.splitlines()) == 1


def test_r08_large_pathway_validates(capsys):
    """The 45-state pathway is valid (its drawing speed is the layout's concern)."""
    code, out, _ = run_cli(capsys, "validate", REPRODUCERS / "r08_draw_45_states.yaml")
    assert code == 0 and out.startswith("ok: ")
