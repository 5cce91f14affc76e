"""Tests for sarcoma_sim.cohort.vectorized: tables from the pathway's own conditions, transforms, streams, chunks."""

from __future__ import annotations

import dataclasses
import itertools
import math
import tracemalloc
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcoma_sim.cohort.vectorized as vectorized
from sarcoma_sim.cohort.eventlog import check_log
from sarcoma_sim.cohort.params import Quantity, load_params
from sarcoma_sim.cohort.streams import BLOCK
from sarcoma_sim.cohort.vectorized import (
    LOGNORMAL,
    NEVER,
    WEIBULL,
    _Tables,
    compile_pathway,
    normal_from_exponential,
    simulate_vectorized,
)
from sarcoma_sim.errors import ArgumentError, PathwayError
from sarcoma_sim.pathways.conditions import holds
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.machine import PatientModel, machine_for

from helpers.budget import examples
from helpers.fake_cohort import stays

GIST = load_subtype("gist")
PARAMS = load_params("gist")
COLUMNS = ("patient", "t_months", "event", "from_state", "to_state")


def same_rows(a, b, rows=None) -> bool:
    """Whether two logs hold byte-identical columns (the first ``rows`` rows if given)."""
    return all(np.array_equal(getattr(a, c)[:rows], getattr(b, c)[:rows]) for c in COLUMNS)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_logs_keep_the_contract_for_every_subtype(subtype):
    """Every patient starts with start at 0 in the initial state, chains transitions and ends in an end state."""
    pathway = load_subtype(subtype)
    result = simulate_vectorized(pathway, load_params(subtype), 3000, 1)
    check_log(result.log, 3000, pathway.initial, with_competing_exits(pathway).terminal_states())
    assert result.engine == "vectorized" and result.n == 3000
    assert result.params_file == f"sarcoma_sim/cohort/params/data/{subtype}.yaml"
    assert result.log.event.dtype == np.int16 and result.log.patient.dtype == np.int64


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_compiled_tables_agree_with_the_state_machine(subtype):
    """For every node, event and attribute values, the table's next state is where the machine's fire goes."""
    pathway, params = with_competing_exits(load_subtype(subtype)), load_params(subtype)
    cp = compile_pathway(pathway, params)
    pm = machine_for(pathway)
    K, C = cp.n_slots, cp.n_combinations
    checked = 0
    for node, variant in enumerate(cp.node_variant):
        state, _ = cp.variants[variant]
        facts = dict(cp.profiles[node % len(cp.profiles)])
        for k in range(K):
            if cp.slot_family[node, k] == NEVER:
                continue
            event = cp.slot_name(node, k)
            combinations = params.states[state].for_entry(cp.variants[variant][1])[event].combinations()
            for c, (values, _) in enumerate(combinations):
                patient = pm.attach(PatientModel(facts), state=state)
                target = pm.fire(patient, event, **values).target
                pm.detach(patient)
                index = (node * K + k) * C + c
                assert cp.state_ids[cp.to_state_of[index]] == target, (state, event, facts, values)
                assert cp.event_names[cp.event_of[index]] == event
                checked += 1
    assert checked >= len([t for t in pathway.transitions if _fireable(pathway, t, cp.profiles)])


def _fireable(pathway, transition, profiles) -> bool:
    """Whether some cohort profile, with some event attribute values, lets ``transition`` hold."""
    events = [a for a in pathway.attributes.values() if a.of == "event"]
    for profile in profiles:
        for values in itertools.product(*[a.values for a in events]):
            if holds(transition.when, {**dict(profile), **dict(zip([a.name for a in events], values))}):
                return True
    return False


def test_progression_slots_come_first_and_are_the_only_detected_ones():
    """Events seen at imaging (progression) hold the leading slots; resection's surgery time does not."""
    cp = compile_pathway(GIST, PARAMS)
    assert cp.detected_slots == 1
    names = {cp.slot_name(node, 0) for node in range(len(cp.node_variant))}
    assert names <= {"progression", None}
    resection = cp.variants.index(("resection", None)) * len(cp.profiles)
    assert cp.slot_name(resection, 1) == "resected" and cp.slot_family[resection, 1] == LOGNORMAL


@given(st.floats(1e-12, 40.0))
@settings(max_examples=examples(200), deadline=None)
def test_normal_from_exponential_matches_the_standard_library(e):
    """z(e) = Phi^-1(1 - exp(-e)) agrees with statistics.NormalDist.inv_cdf."""
    p = -math.expm1(-e)
    # Above the median compare with the exact symmetric form, which needs no 1 - p.
    expected = NormalDist().inv_cdf(p) if p <= 0.5 else -NormalDist().inv_cdf(math.exp(-e))
    assert normal_from_exponential(np.array([e]))[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_normal_from_exponential_upper_tail_keeps_precision():
    """Where 1 - exp(-e) rounds to 1, z is still exact: by symmetry it is -Phi^-1(exp(-e))."""
    e = np.array([40.0, 50.0, 200.0])
    expected = [-NormalDist().inv_cdf(math.exp(-x)) for x in e]
    assert normal_from_exponential(e) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("family,power", [(WEIBULL, 1 / 0.76), (WEIBULL, 0.5), (LOGNORMAL, 0.4)])
def test_shaped_times_have_the_median_and_cdf(family, power):
    """The inverse transforms give the median at e = ln 2 and follow the CDF on random variates."""
    from sarcoma_sim.cohort.params import Timing
    median = 7.0
    shape = 1 / power if family == WEIBULL else power
    timing = Timing("weibull" if family == WEIBULL else "lognormal", Quantity(median, "7", illustrative=True),
                    Quantity(shape, str(shape), illustrative=True))
    scale = median / math.log(2) ** power if family == WEIBULL else median

    def times(e):
        """The engine's transform of exponential variates for this one distribution."""
        n = len(e)
        return vectorized._shaped_times(e, np.full(n, family, np.int8), np.full(n, scale), np.full(n, power),
                                        family == LOGNORMAL)

    assert times(np.array([math.log(2)]))[0] == pytest.approx(median)
    sample = times(np.random.default_rng(2).standard_exponential(50_000))
    for t in np.quantile(sample, [0.1, 0.5, 0.9]):
        assert timing.cdf(t) == pytest.approx(np.mean(sample <= t), abs=0.01)


def test_results_do_not_depend_on_chunk_size():
    """Chunks of any size (crossing a stream block) give byte-identical logs."""
    n = BLOCK + 20_000
    reference = simulate_vectorized(GIST, PARAMS, n, 3, chunk_size=100_000).log
    for chunk in (7_777, n):
        assert same_rows(reference, simulate_vectorized(GIST, PARAMS, n, 3, chunk_size=chunk).log)
    small = simulate_vectorized(GIST, PARAMS, 300, 3).log
    assert same_rows(small, simulate_vectorized(GIST, PARAMS, 300, 3, chunk_size=7).log)


@given(st.integers(1, 3000), st.integers(1, 3000))
@settings(max_examples=15, deadline=None)
def test_patient_i_is_the_same_whatever_n(n1, n2):
    """The first patients' rows are identical in cohorts of different sizes."""
    a, b = simulate_vectorized(GIST, PARAMS, n1, 6).log, simulate_vectorized(GIST, PARAMS, n2, 6).log
    k = min(n1, n2)
    rows = int(np.searchsorted(a.patient, k))
    assert rows == int(np.searchsorted(b.patient, k)) and same_rows(a, b, rows)


def test_patients_of_a_first_block_are_the_same_in_a_larger_cohort():
    """Patients before and after a block boundary keep their rows when the cohort grows past it."""
    a = simulate_vectorized(GIST, PARAMS, BLOCK + 50, 4).log
    b = simulate_vectorized(GIST, PARAMS, BLOCK + 5_000, 4).log
    rows = len(a)
    assert same_rows(a, b, rows)


def test_progression_is_seen_only_at_imaging_visits():
    """Time on a therapy before a progression is a whole number of imaging intervals; intolerance is not."""
    log = simulate_vectorized(GIST, PARAMS, 20_000, 2).log
    stay = stays(log)
    visits = stay[log.event == log.event_names.index("progression")] / PARAMS.interval_months
    assert np.allclose(visits, np.round(visits)) and np.round(visits).min() >= 1
    intolerance = stay[log.event == log.event_names.index("intolerance")]
    assert not np.allclose(intolerance / 3, np.round(intolerance / 3))


def test_record_counts_variates_and_keeps_latent_times():
    """``record`` gets the number of variates drawn and the latent times per (state, event, entered_from)."""
    record = {}
    result = simulate_vectorized(GIST, PARAMS, 5000, 1, record=record)
    moves = len(result.log) - result.n
    width = _Tables.of(compile_pathway(GIST, PARAMS)).width   # one variate per slot, one for the choice
    # GIST's widest state (adjuvant imatinib: completed, progression, intolerance), death, decline, the choice.
    assert width == 6
    # The start also draws once per patient: its option (read only by SDH-deficient GIST).
    assert record["variates"] == {"exponential": moves * width + result.n, "uniform": BLOCK}
    latent = record["latent"][("imatinib_400", "progression", None)]
    assert len(latent) == np.sum((result.log.from_state == result.log.state_ids.index("imatinib_400")) &
                                 (result.log.event != 0)) - len(record["latent"][("imatinib_400", "progression",
                                                                                 "resection")])


def test_progress_is_called_after_every_chunk():
    """progress(done, total) follows the chunks and ends at (n, n)."""
    seen = []
    simulate_vectorized(GIST, PARAMS, 25_000, 1, chunk_size=10_000, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(10_000, 25_000), (20_000, 25_000), (25_000, 25_000)]


def test_working_memory_stays_flat_as_the_cohort_grows():
    """Peak memory beyond the result itself (log and facts) does not grow with n (chunks of 50,000)."""
    overheads = []
    for n in (100_000, 400_000):
        tracemalloc.start()
        result = simulate_vectorized(GIST, PARAMS, n, 1, chunk_size=50_000)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        columns = [getattr(result.log, c) for c in COLUMNS]
        kept = sum((c.base if c.base is not None else c).nbytes for c in columns)
        kept += sum(v.nbytes for v in result.patient_facts.values())
        overheads.append(peak - kept)
    assert max(overheads) < 20e6, overheads


def test_parameters_leading_nowhere_are_refused_before_running():
    """Hand-built parameters (bypassing validation) whose patients match no transition are refused at compile."""
    imt = load_params("imt")
    groups = tuple(dataclasses.replace(g, facts={"alk": "unknown"}) for g in imt.population)
    with pytest.raises(PathwayError, match="no transition of workup on start holds for {'alk': 'unknown'}"):
        compile_pathway(_without_default(load_subtype("imt")), dataclasses.replace(imt, population=groups))


def _without_default(pathway):
    """The pathway with every unconditioned start transition removed (for the compile check)."""
    transitions = tuple(t for t in pathway.transitions if not (t.event == "start" and t.when is None))
    return dataclasses.replace(pathway, transitions=transitions)


def test_a_pathway_that_never_ends_is_refused(monkeypatch):
    """Patients still moving after MAX_STEPS is an error, not an endless loop."""
    monkeypatch.setattr(vectorized, "MAX_STEPS", 2)
    with pytest.raises(PathwayError, match="still moving after 2 transitions"):
        simulate_vectorized(GIST, PARAMS, 100, 1)


def test_bad_sizes_and_seeds_are_refused():
    """n < 1 or a negative seed is an ArgumentError."""
    with pytest.raises(ArgumentError, match="patients >= 1"):
        simulate_vectorized(GIST, PARAMS, 0, 1)
    with pytest.raises(ArgumentError, match="seed"):
        simulate_vectorized(GIST, PARAMS, 5, -3)


def test_a_slot_a_variant_lacks_is_infinite_not_a_large_number():
    """Lacking slots are scheduled at +inf, outside every real time (issue 13: 1e300 lost to a real 1e305)."""
    cp = compile_pathway(load_subtype("gist"), load_params("gist"))
    lacking = cp.slot_family == NEVER
    assert lacking.any()
    assert np.isinf(cp.slot_scale[lacking]).all()
    assert np.isfinite(cp.slot_scale[~lacking]).all()


@pytest.mark.parametrize("engine", ["vectorized", "stepwise"])
def test_longest_accepted_time_still_fires_and_summarises(engine):
    """A resection median at MAX_MONTHS: every patient still ends, and the summary has finite numbers."""
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.reports.summary import summarize, to_json

    params = load_params("gist", overrides=["resection.resected.median_months=1000000"])
    result = simulate(load_subtype("gist"), params, 300, 1, engine=engine)
    text = to_json(summarize(result, load_subtype("gist")))
    assert "Infinity" not in text and "NaN" not in text


@pytest.mark.parametrize("changed", [None, frozenset({"imatinib_400", "sunitinib_50_intermittent"})])
def test_compiling_like_a_compiled_pathway_rebuilds_only_numbers_and_matches_a_full_compile(changed):
    """New medians and branch probabilities compiled ``like`` the base tables (and only for the states
    changed) give the very tables of a fresh compile, and leave the base tables untouched."""
    base = compile_pathway(GIST, PARAMS)
    kept = {f.name: np.copy(getattr(base, f.name)) for f in dataclasses.fields(base)
            if isinstance(getattr(base, f.name), np.ndarray)}
    params = load_params(GIST, overrides=["imatinib_400.progression.median_months=7.5",
                                          "sunitinib_50_intermittent.progression.median_months=3.1"])
    fresh = compile_pathway(GIST, params)
    again = compile_pathway(GIST, params, like=base, changed=changed)
    for f in dataclasses.fields(fresh):
        a, b = getattr(fresh, f.name), getattr(again, f.name)
        assert (a.tobytes() == b.tobytes()) if isinstance(a, np.ndarray) else a == b, f.name
    assert not np.array_equal(fresh.slot_scale, base.slot_scale)
    assert all(np.array_equal(getattr(base, name), value) for name, value in kept.items())
