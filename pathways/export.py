"""Serialise a pathway graph to text formats other tools read.

``EXPORTERS`` maps a format name to a function ``graph -> str``; the command line offers exactly
these names. JSON is the contract (node-link data, see DESIGN.md).
"""

from __future__ import annotations

import json
from typing import Callable

import networkx as nx

from pathways.graph import graph_to_json


def to_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON of ``graph``, indented, UTF-8 kept as is."""
    return json.dumps(graph_to_json(graph), indent=2, ensure_ascii=False) + "\n"


EXPORTERS: dict[str, Callable[[nx.MultiDiGraph], str]] = {
    "json": to_json,
}
