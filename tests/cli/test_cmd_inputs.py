"""Commands read input files with a bounded read: devices, FIFOs and oversized files are refused at once.

Issue 13 item 9: ``run /dev/zero``, ``run`` on a FIFO and ``--params /dev/zero`` read without end.
"""

from __future__ import annotations

import os
import time

import pytest

from helpers.cli_runner import run_cli


def assert_refused_quickly(capsys, *argv, fragment):
    """The command exits 1 with one error line holding ``fragment``, within a couple of seconds."""
    started = time.perf_counter()
    code, out, err = run_cli(capsys, *argv)
    assert time.perf_counter() - started < 3
    assert code == 1 and err.startswith("error: ") and fragment in err, (out, err)


@pytest.mark.parametrize("argv", [["run", "/dev/zero"], ["validate", "/dev/zero"], ["show", "/dev/zero"],
                                  ["cohort", "dfsp", "-n", "1", "--seed", "1", "--params", "/dev/zero"]])
def test_device_inputs_are_refused(argv, capsys):
    """/dev/zero as a scenario, pathway or parameter file is refused as not a regular file."""
    assert_refused_quickly(capsys, *argv, fragment="/dev/zero: is not a regular file")


@pytest.mark.parametrize("command", ["run", "validate", "params"])
def test_fifo_inputs_are_refused_without_waiting(command, tmp_path, capsys):
    """A FIFO with no writer is refused at once instead of blocking the command."""
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)
    argv = {"run": ["run", fifo], "validate": ["validate", fifo],
            "params": ["cohort", "dfsp", "-n", "1", "--seed", "1", "--params", fifo]}[command]
    assert_refused_quickly(capsys, *argv, fragment="is not a regular file")


def test_oversized_scenario_is_refused(tmp_path, capsys):
    """A scenario file over the size limit is refused, naming the limit."""
    from sarcoma_sim.pathways.yamlsource import MAX_BYTES

    path = tmp_path / "big.yaml"
    path.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    assert_refused_quickly(capsys, "run", path, fragment=f"larger than {MAX_BYTES} bytes")
