"""Soft-tissue sarcoma treatment pathways as data.

One YAML file per subtype (``pathways/data``) is parsed safely, validated, and built into frozen
dataclasses (``pathways.model``); from those come a ``transitions`` state machine
(``pathways.machine``), a ``networkx`` graph (``pathways.graph``), exports and drawings.
For teaching only: never advice for a real patient.
"""

from pathways.errors import PathwayError
from pathways.load import SUBTYPE_IDS, load_pathway, load_subtype

__all__ = ["PathwayError", "SUBTYPE_IDS", "load_pathway", "load_subtype"]
