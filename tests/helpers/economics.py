"""Where the economics tests find the shipped GIST worked example."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

DATA = Path(str(resources.files("sarcoma_sim.economics").joinpath("data")))
COSTS = DATA / "gist-costs.yaml"
STRATEGIES = DATA / "gist-exon9-strategies.yaml"


@lru_cache(maxsize=1)
def load_gist():
    """(pathway, params) of the shipped GIST files, loaded once per test process."""
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.pathways.load import load_subtype

    pathway = load_subtype("gist")
    return pathway, load_params(pathway)
