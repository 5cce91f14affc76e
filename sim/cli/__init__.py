"""The ``sarcoma-sim`` command line: argument parsing, flags and printing; nothing imports it.

``main(argv)`` returns the exit code; ``run()`` is the console-script entry point. Each command
lives in its own module here and imports anything heavy only when it runs.
"""

from sarcoma_sim.cli.dispatch import main, run

__all__ = ["main", "run"]
