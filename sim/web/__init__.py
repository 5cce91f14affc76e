"""The web face: a local teaching app (case player, live diagram, debrief, scenario runner, teacher view).

A face like the command line: it calls the same library functions (``sarcoma_sim.patient``,
``sarcoma_sim.reports.taken_path``) and holds no clinical logic. ``create_app`` builds the Flask
application; ``sarcoma-sim serve`` serves it with waitress. Attempts are stored in SQLite.
"""

from sarcoma_sim.web.app import create_app

__all__ = ["create_app"]
