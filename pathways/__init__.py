"""Soft-tissue sarcoma treatment pathways as data.

One YAML file per subtype (``pathways/data``) is parsed safely, validated, and built into frozen
dataclasses (``sarcoma_sim.pathways.model``); from those come a ``transitions`` state machine
(``sarcoma_sim.pathways.machine``), a ``networkx`` graph (``sarcoma_sim.pathways.graph``), exports and drawings.
For teaching only: never advice for a real patient.
"""

from sarcoma_sim.errors import PathwayError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_pathway, load_subtype

__all__ = ["PathwayError", "SUBTYPE_IDS", "load_pathway", "load_subtype"]
