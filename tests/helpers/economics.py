"""Where the economics tests find the shipped GIST worked example."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DATA = Path(str(resources.files("sarcoma_sim.economics").joinpath("data")))
COSTS = DATA / "gist-costs.yaml"
STRATEGIES = DATA / "gist-exon9-strategies.yaml"
