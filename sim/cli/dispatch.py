"""The ``sarcoma-sim`` command: parse arguments, dispatch, and map errors to exit codes.

Exit 0 on success, 1 when an input is wrong (printed as ``error:`` lines, never a traceback),
2 for usage errors (argparse), 130 when interrupted (Ctrl-C) and 143 when terminated (SIGTERM):
both unwind the command the same way, so half-written outputs are removed. Each command lives in
its own module of ``sarcoma_sim.cli``, which registers its parser here and imports anything heavy only when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from sarcoma_sim.cli.terminal import safe_for_terminal
from sarcoma_sim.errors import ArgumentError, CommandLineError, Problem, SarcomaSimError
from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
from sarcoma_sim.version import tool_version

COMMAND_MODULES = ("sarcoma_sim.cli.pathways", "sarcoma_sim.cli.draw", "sarcoma_sim.cli.run", "sarcoma_sim.cli.teach",
                   "sarcoma_sim.cli.cohort", "sarcoma_sim.cli.psa", "sarcoma_sim.cli.serve")

# Library functions name their own arguments (sarcoma_sim.errors.ArgumentError); the flags that carry them.
FLAG_NAMES = {"n": "-n", "seed": "--seed", "engine": "--engine", "dpi": "--dpi"}


def as_command_line_error(error: ArgumentError) -> CommandLineError:
    """A library argument error restated with the flag the user typed (``seed`` -> ``--seed``)."""
    flag = FLAG_NAMES.get(error.argument, error.argument)
    return CommandLineError(Problem(flag, None, "", error.message))

def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every command module's subcommands."""
    parser = argparse.ArgumentParser(
        prog="sarcoma-sim",
        description="Finite-state treatment pathways of soft-tissue sarcoma subtypes, for teaching. "
                    + NOT_FOR_CLINICAL_USE)
    parser.add_argument("--version", action="version", version=f"%(prog)s {tool_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (``finally`` blocks remove temporary outputs), exit 143."""


def _terminate(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # SIGTERM's default ends the process at once, leaving temporary folders; unwinding removes them.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _dispatch(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the chosen command; an input error, an interruption or a closed pipe becomes an exit code."""
    try:
        try:
            return int(args.handler(args) or 0)
        except ArgumentError as error:
            raise as_command_line_error(error) from None
    except SarcomaSimError as error:
        sys.stdout.flush()
        for line in error.error_lines():
            print(safe_for_terminal(line), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
