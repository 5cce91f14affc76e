"""The web face: a local teaching app (case player, live diagram, debrief, scenario runner, teacher view).

A face like the command line: it calls the same library functions (``sarcoma_sim.patient``,
``sarcoma_sim.reports.taken_path``) and holds no clinical logic. ``sarcoma_sim.web.app.create_app`` builds the Flask
application; ``sarcoma-sim serve`` serves it with waitress. Attempts are stored in SQLite.
"""
