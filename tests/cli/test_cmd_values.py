"""Every command's out-of-range value ends in one ``error:`` line and exit 1, or a usage error and exit 2.

Issue 8 item 7: ``teach gist --seed -1`` printed a numpy traceback. Library functions raise
``ArgumentError`` naming their own argument; the command line names the flag.
"""

from __future__ import annotations

import io
import sys

import pytest

from helpers.cli_runner import run_cli

HUGE = "9" * 4000          # Python reads ints of up to 4,300 digits; argparse refuses longer ones (exit 2)


def assert_error_line(code, out, err, *fragments):
    """Exit 1 with exactly one ``error:`` line holding every fragment."""
    assert code == 1, (out, err)
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


@pytest.fixture
def no_stdin(monkeypatch):
    """An empty standard input, so ``teach`` never waits."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


@pytest.mark.parametrize("seed", ["-1", HUGE, str(2 ** 128)])
def test_teach_seed_out_of_range(seed, capsys, no_stdin):
    """``teach --seed -1`` (or a seed past 2**128 - 1) is one error line naming --seed, exit 1."""
    assert_error_line(*run_cli(capsys, "teach", "gist", "--seed", seed), "--seed", "from 0 to 2**128 - 1")


def test_teach_largest_seed_is_accepted(capsys, no_stdin):
    """The largest accepted seed starts a case."""
    code, out, _ = run_cli(capsys, "teach", "gist", "--seed", str(2 ** 128 - 1))
    assert code == 0 and f"seed {2 ** 128 - 1}" in out


def test_teach_max_decisions_below_one(capsys, no_stdin):
    """``teach --max-decisions 0`` is one error line naming the flag."""
    assert_error_line(*run_cli(capsys, "teach", "gist", "--max-decisions", "0"), "--max-decisions")


@pytest.mark.parametrize("argv, fragments", [
    (["-n", "0", "--seed", "1"], ["-n", ">= 1"]),
    (["-n", "10", "--seed", "-1"], ["--seed", "from 0"]),
    (["-n", "10", "--seed", HUGE], ["--seed", "(4000 characters)"]),
    (["-n", HUGE, "--seed", "1"], ["-n", "at most", "(4000 characters)"]),
])
def test_cohort_values_out_of_range(argv, fragments, capsys):
    """cohort's -n and --seed out of range: one error line naming the flag, never the library's argument name."""
    code, out, err = run_cli(capsys, "cohort", "gist", *argv)
    assert_error_line(code, out, err, *fragments)
    assert len(err) < 500
    assert not err.startswith("error: seed") and not err.startswith("error: n:")


@pytest.mark.parametrize("dpi", ["5", "5000", "-1"])
def test_draw_dpi_out_of_range_is_a_usage_error(dpi, capsys, tmp_path):
    """``draw --dpi`` outside 20-1200 is a usage error (exit 2) and writes nothing."""
    code, _, err = run_cli(capsys, "draw", "gist", "-o", tmp_path / "g.png", "--dpi", dpi)
    assert code == 2 and "--dpi" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [
    ["cohort", "gist", "-n", "many", "--seed", "1"],
    ["cohort", "gist", "-n", "1", "--seed", "9" * 5000],
    ["teach", "gist", "--seed", "9" * 5000],
    ["cohort", "gist", "-n", "1", "--seed", "1.5"],
    ["teach", "gist", "--seed", "x"],
    ["draw", "gist", "-o", "x.png", "--dpi", "high"],
    ["export", "gist", "--format", "xml"],
    ["list", "--format", "yaml"],
    ["show", "gist", "--format", "yaml"],
    ["run", "x.yaml", "--format", "yaml"],
])
def test_values_of_the_wrong_kind_are_usage_errors(argv, capsys):
    """A value argparse cannot convert (or an unknown choice) is a usage error, exit 2, on every command."""
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and "usage:" in err


@pytest.mark.parametrize("argv", [["validate", "no_such_subtype"], ["show", "no_such_subtype"],
                                  ["export", "no_such_subtype"], ["run", "/dev/zero"]])
def test_reading_commands_refuse_bad_inputs_with_error_lines(argv, capsys):
    """The reading commands (which take no numbers) refuse unknown subtypes and unreadable files with exit 1."""
    code, out, err = run_cli(capsys, *argv)
    assert code == 1 and err.startswith("error: ")


def test_library_argument_errors_are_translated_to_flags():
    """The dispatcher turns ``ArgumentError("seed", ...)`` into a problem named ``--seed``."""
    from sarcoma_sim.cli.dispatch import as_command_line_error
    from sarcoma_sim.errors import ArgumentError, CommandLineError

    error = as_command_line_error(ArgumentError("seed", "expected a whole number"))
    assert isinstance(error, CommandLineError)
    assert error.error_lines() == ["error: --seed: expected a whole number"]
    assert as_command_line_error(ArgumentError("n", "x")).error_lines() == ["error: -n: x"]
