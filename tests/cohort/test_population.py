"""Tests for sarcoma_sim.cohort.population: markers drawn from the prevalences, patient i the same whatever n."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.cohort.population import group_thresholds, sample_groups, sample_patients
from sarcoma_sim.cohort.streams import BLOCK
from sarcoma_sim.errors import ArgumentError
from sarcoma_sim.pathways.load import load_subtype

GIST = load_subtype("gist")
PARAMS = load_params("gist")


@given(st.integers(1, 3000), st.integers(1, 3000), st.integers(0, 2**32))
@settings(max_examples=25, deadline=None)
def test_patient_i_is_the_same_whatever_n(n1, n2, seed):
    """The first min(n1, n2) patients are identical in cohorts of n1 and n2."""
    a, b = sample_groups(PARAMS, n1, seed), sample_groups(PARAMS, n2, seed)
    k = min(n1, n2)
    assert np.array_equal(a[:k], b[:k])


def test_patients_across_a_block_boundary_do_not_depend_on_n():
    """Patients on both sides of a stream block boundary are the same in a short and a long cohort."""
    long = sample_groups(PARAMS, BLOCK + 500, 3)
    assert np.array_equal(sample_groups(PARAMS, BLOCK + 10, 3), long[:BLOCK + 10])


@given(st.integers(0, 2 * BLOCK), st.integers(1, 2000))
@settings(max_examples=20, deadline=None)
def test_a_chunk_drawn_on_its_own_matches_the_whole_cohort(start, n):
    """Drawing patients start..start+n-1 alone gives the same patients as drawing everyone."""
    whole = sample_groups(PARAMS, start + n, 9)
    assert np.array_equal(sample_groups(PARAMS, n, 9, start=start), whole[start:])


def test_frequencies_match_the_prevalences():
    """In 400,000 patients each genotype's share is within 4 standard errors of its prevalence."""
    n = 400_000
    counts = np.bincount(sample_groups(PARAMS, n, 11), minlength=len(PARAMS.population))
    for group, count in zip(PARAMS.population, counts):
        p = group.prevalence.value
        assert abs(count / n - p) < 4 * np.sqrt(p * (1 - p) / n), group.name


def test_patients_carry_declared_marker_values_as_strings():
    """sample_patients gives every patient attribute as a numpy str array of declared values."""
    facts = sample_patients(GIST, PARAMS, 5000, 2)
    assert set(facts) == {"kit_exon", "pdgfra", "ntrk_fusion", "setting", "sdh"}
    for name, values in facts.items():
        assert values.dtype.kind == "U" and len(values) == 5000
        assert set(values) <= set(GIST.attributes[name].values)
    d842v = facts["pdgfra"] == "d842v"
    assert d842v.any() and np.all(facts["kit_exon"][d842v] == "wild_type")


def test_subtypes_with_one_group_give_its_facts_to_every_patient():
    """A pathway whose only marker is NTRK, with one cohort group (no fusion), gives all patients that group's facts."""
    facts = sample_patients(load_subtype("emc"), load_params("emc"), 10, 1)
    assert set(facts) == {"ntrk_fusion"} and list(facts["ntrk_fusion"]) == ["negative"] * 10


def test_seeds_decide_the_patients():
    """The same seed gives the same patients, a different seed different ones."""
    a = sample_groups(PARAMS, 2000, 5)
    assert np.array_equal(a, sample_groups(PARAMS, 2000, 5))
    assert not np.array_equal(a, sample_groups(PARAMS, 2000, 6))


def test_a_group_of_zero_prevalence_is_never_drawn():
    """Setting a genotype's prevalence to 0 removes it from the cohort."""
    params = load_params("gist", overrides=["population.kit_exon13.prevalence=0",
                                            "population.kit_exon11.prevalence=67.25%"])
    index = [g.name for g in params.population].index("kit_exon13")
    assert index not in set(sample_groups(params, 50_000, 1).tolist())
    assert group_thresholds(params)[-1] == 1.0


def test_a_negative_seed_is_refused():
    """A negative seed is an ArgumentError, not a numpy traceback."""
    with pytest.raises(ArgumentError, match="seed"):
        sample_groups(PARAMS, 10, -1)
