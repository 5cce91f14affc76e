"""The shipped GIST pathway and parameters, loaded once per session for the economics tests."""

from __future__ import annotations

import pytest

from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.pathways.load import load_subtype


@pytest.fixture(scope="session")
def gist():
    """(pathway, params) of the shipped GIST files."""
    pathway = load_subtype("gist")
    return pathway, load_params(pathway)
