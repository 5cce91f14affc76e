"""Run the ``sarcoma-sim`` command in-process for tests (shared by the command test files)."""

from __future__ import annotations

from sarcoma_sim.cli.dispatch import main


def run_cli(capsys, *argv):
    """Run ``sarcoma-sim argv`` in-process; returns (exit code, stdout, stderr).

    Usage errors exit through argparse's ``SystemExit``; its code is returned like any other.
    No command may print a Python traceback, whatever its exit code.
    """
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err
