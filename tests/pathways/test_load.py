"""Tests of loading pathways: shipped subtypes, files, ids, and robustness to mutated files."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarcoma_sim.errors import PathwayError, UnknownSubtypeError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, data_dir, load_any, load_pathway, load_subtype, parse_pathway
from sarcoma_sim.pathways.model import Pathway

from helpers.budget import examples


def test_the_contract_subtype_files_ship():
    """Exactly the fourteen contract subtype ids ship as pathway files."""
    shipped = sorted(p.stem for p in data_dir().glob("*.yaml"))
    assert shipped == sorted(SUBTYPE_IDS)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_shipped_pathway_loads(subtype):
    """Each shipped file validates and its id matches its file name."""
    pathway = load_subtype(subtype)
    assert isinstance(pathway, Pathway)
    assert pathway.id == subtype
    assert pathway.states[pathway.initial].kind == "workup"


def test_unknown_subtype_lists_the_known_ones():
    """An unknown subtype id is an error listing the valid ids."""
    with pytest.raises(UnknownSubtypeError, match="unknown subtype 'gistt'; expected one of gist, "):
        load_any("gistt")


def test_load_any_accepts_a_path(tmp_path, small_pathway_text):
    """``load_any`` reads a file path as well as a subtype id."""
    path = tmp_path / "demo.yaml"
    path.write_text(small_pathway_text)
    assert load_any(str(path)).id == "demo"
    assert load_pathway(path).file == str(path)


def test_transitions_are_numbered_in_file_order(small_pathway_text):
    """Same-event transitions from one state get ``order`` 0, 1, ... in file order."""
    pathway = parse_pathway(small_pathway_text)
    orders = [(t.source, t.event, t.order) for t in pathway.transitions]
    assert orders == [("workup", "start", 0), ("workup", "start", 1), ("drug_a", "progression", 0),
                      ("drug_a", "progression", 1), ("drug_b", "progression", 0)]


def test_loaded_pathway_is_frozen(small_pathway_text):
    """Pathway objects are immutable, so one load can be shared safely."""
    pathway = parse_pathway(small_pathway_text)
    with pytest.raises(AttributeError):
        pathway.initial = "drug_a"


GIST_DATA = yaml.safe_load((data_dir() / "gist.yaml").read_text())


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


ALL_PATHS = [p for p in _paths(GIST_DATA) if p]
WRONG_VALUES = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                         st.text(max_size=5), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _parent(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_gist(draw):
    data = copy.deepcopy(GIST_DATA)
    for _ in range(draw(st.integers(1, 3))):
        live = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(live))
        parent = _parent(data, path)
        action = draw(st.sampled_from(["drop", "retype", "rename_state"]))
        if action == "drop":
            del parent[path[-1]]
        elif action == "retype":
            parent[path[-1]] = draw(WRONG_VALUES)
        elif isinstance(data.get("states"), dict) and data["states"]:
            old = draw(st.sampled_from(sorted(map(str, data["states"]))))
            if old in data["states"]:
                data["states"][old + "_renamed"] = data["states"].pop(old)
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_gist())
def test_mutated_pathway_gives_pathway_error_or_loads(text):
    """Randomly mutated GIST files give a PathwayError with a message, never another exception."""
    try:
        pathway = parse_pathway(text, "mutated.yaml")
    except PathwayError as error:
        assert error.problems and all(p.message for p in error.problems)
        assert all(p.file == "mutated.yaml" for p in error.problems)
    else:
        assert isinstance(pathway, Pathway)
