"""``python -m sim`` runs the ``sarcoma-sim`` command."""

from sim.cli import run

run()
