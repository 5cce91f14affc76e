"""``python -m sarcoma_sim`` runs the ``sarcoma-sim`` command."""

from sarcoma_sim.cli import run

run()
