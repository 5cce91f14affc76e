"""The two engines against each other and against the papers, and the engine switch (sarcoma_sim.cohort.engines).

Agreement: on every subtype, 20,000 patients per engine (independent seeds), every ``reached``
fraction within 4 standard errors and a two-sample Kolmogorov-Smirnov test on time to end not
rejecting at 0.001; also the time spent in each state (KS, Bonferroni over the states). The KS
statistic and its asymptotic p-value are computed here with numpy (scipy is not a dependency;
where it is installed it cross-checks this implementation).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest

from sarcoma_sim.cohort.engines import ENGINES, simulate
from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.cohort.stepwise import simulate_stepwise
from sarcoma_sim.cohort.vectorized import simulate_vectorized
from sarcoma_sim.errors import ArgumentError, ParameterError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

from helpers.budget import heavy_matrix
from helpers.fake_cohort import stays

AGREEMENT_N = 20_000
# The full agreement matrix (every subtype at AGREEMENT_N) is slow; the default run keeps GIST, the
# pathway with the most branches, at a smaller cohort (the tolerances scale with n).
QUICK_N = 4_000
AGREEMENT_CASES = [pytest.param("gist", QUICK_N, id=f"gist-{QUICK_N}")] + [
    pytest.param(subtype, AGREEMENT_N, id=subtype, marks=pytest.mark.slow) for subtype in SUBTYPE_IDS]
PAPERS_N = 300_000
COLUMNS = ("patient", "t_months", "event", "from_state", "to_state")


# ---- statistics ------------------------------------------------------------------------------

def kolmogorov_sf(lam: float) -> float:
    """P(K > lam) for the Kolmogorov distribution: 2 sum_k (-1)^(k-1) exp(-2 k^2 lam^2)."""
    if lam < 0.2:
        return 1.0
    k = np.arange(1, 101)
    return float(min(1.0, max(0.0, 2.0 * np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * k * k * lam * lam)))))


def ks_2samp(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample KS statistic D and its asymptotic p-value (Stephens' small-sample correction).

    The empirical CDFs are compared at every observed value, so ties (times on imaging visits)
    are handled; with ties the asymptotic p-value is conservative.
    """
    a, b = np.sort(a), np.sort(b)
    values = np.concatenate([a, b])
    d = float(np.max(np.abs(np.searchsorted(a, values, side="right") / len(a)
                            - np.searchsorted(b, values, side="right") / len(b))))
    en = math.sqrt(len(a) * len(b) / (len(a) + len(b)))
    return d, kolmogorov_sf((en + 0.12 + 0.11 / en) * d)


def reached(result) -> np.ndarray:
    """Share of patients who ever entered each state (the initial state: everyone)."""
    log = result.log
    shares = np.zeros(len(log.state_ids))
    for code in range(len(log.state_ids)):
        entered = np.zeros(result.n, bool)
        entered[log.patient[log.to_state == code]] = True
        shares[code] = entered.mean()
    shares[log.from_state[0]] = 1.0
    return shares


def time_to_end(result) -> np.ndarray:
    """Months from start to the end state, per patient."""
    return result.log.t_months[result.log.last_rows()]


@lru_cache(maxsize=None)
def cohorts(subtype: str, n: int = AGREEMENT_N):
    """The two engines' cohorts of one subtype (independent seeds), shared by the agreement tests."""
    pathway, params = load_subtype(subtype), load_params(subtype)
    return (simulate_stepwise(pathway, params, n, 101),
            simulate_vectorized(pathway, params, n, 202))


# ---- the KS implementation -------------------------------------------------------------------

def test_ks_of_identical_and_disjoint_samples():
    """Identical samples give D = 0, p = 1; disjoint samples give D = 1 and p near 0."""
    x = np.arange(500.0)
    assert ks_2samp(x, x) == (0.0, 1.0)
    d, p = ks_2samp(x, x + 1000)
    assert d == 1.0 and p < 1e-100


def test_ks_rejects_a_shifted_distribution_and_accepts_a_resample():
    """A 10% scale change in 20,000 exponential times is rejected; a fresh sample is not."""
    rng = np.random.default_rng(1)
    a = rng.exponential(5.0, 20_000)
    assert ks_2samp(a, rng.exponential(5.5, 20_000))[1] < 1e-6
    assert ks_2samp(a, rng.exponential(5.0, 20_000))[1] > 0.001


def test_ks_matches_scipy():
    """The project's KS statistic equals scipy's and the asymptotic p-values agree closely (scipy: test extra)."""
    from scipy import stats
    rng = np.random.default_rng(3)
    for shift in (0.0, 0.03, 0.06):
        a, b = rng.normal(0, 1, 3000), rng.normal(shift, 1, 2500)
        d, p = ks_2samp(a, b)
        ref = stats.ks_2samp(a, b, method="asymp")
        assert d == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue, abs=0.01)


# ---- agreement ---------------------------------------------------------------------------------

@pytest.mark.parametrize("subtype,n", AGREEMENT_CASES)
def test_engines_agree_on_reached_fractions(subtype, n):
    """Every state's reached fraction differs between the engines by less than 4 standard errors."""
    step, vect = cohorts(subtype, n)
    p1, p2 = reached(step), reached(vect)
    se = np.sqrt(p1 * (1 - p1) / step.n + p2 * (1 - p2) / vect.n)
    for state, a, b, s in zip(step.log.state_ids, p1, p2, se):
        assert abs(a - b) <= 4 * s, f"{subtype}.{state}: stepwise {a:.4f}, vectorized {b:.4f}, se {s:.4f}"


@pytest.mark.parametrize("subtype,n", AGREEMENT_CASES)
def test_engines_agree_on_time_to_end(subtype, n):
    """A two-sample KS test on time to end does not reject the engines' agreement at 0.001."""
    step, vect = cohorts(subtype, n)
    d, p = ks_2samp(time_to_end(step), time_to_end(vect))
    assert p >= 0.001, f"{subtype}: KS D = {d:.4f}, p = {p:.2g}"


@pytest.mark.parametrize("subtype,n", AGREEMENT_CASES)
def test_engines_agree_on_time_in_each_state(subtype, n):
    """Time spent per visit in each state passes a KS test at 0.001 (Bonferroni over the states)."""
    step, vect = cohorts(subtype, n)
    a, b = stays(step.log), stays(vect.log)
    states = step.log.state_ids
    for code, state in enumerate(states):
        x, y = a[step.log.from_state == code], b[vect.log.from_state == code]
        if state == load_subtype(subtype).initial or min(len(x), len(y)) < 50:
            continue
        d, p = ks_2samp(x, y)
        assert p >= 0.001 / len(states), f"{subtype}.{state}: KS D = {d:.4f}, p = {p:.2g}"


# ---- against the papers --------------------------------------------------------------------------

PAPERS = [  # subtype, therapy state, population group (None: all), evidence.md median (months), row
    ("gist", "imatinib_400", "kit_exon13", 18.0, "S0033 / CALGB 150105: 18 mo (all comers; no exon 13 figure)"),
    ("gist", "imatinib_400", "kit_exon11", 24.7, "S0033 by genotype (Heinrich 2008): exon 11 TTP 24.7 mo"),
    ("gist", "imatinib_400", "kit_pdgfra_wild_type", 12.8, "S0033 by genotype (Heinrich 2008): wild-type 12.8 mo"),
    ("gist", "sunitinib_50_intermittent", None, 27.3 / 4.345, "Demetri, Lancet 2006: TTP 27.3 wk"),
    ("gist", "sunitinib_37_5_continuous", None, 27.3 / 4.345, "one anchor: Demetri, Lancet 2006: TTP 27.3 wk"),
    ("leiomyosarcoma", "pazopanib", None, 4.6, "PALETTE: 4.6 mo"),
]


@lru_cache(maxsize=None)
def latent_times(subtype: str, state: str, group: str | None = None) -> np.ndarray:
    """Times to progression drawn at first-line entries into ``state`` in a 300,000-patient cohort
    (all of population ``group`` when given)."""
    import dataclasses
    record = {}
    params = load_params(subtype)
    if group is not None:
        chosen = next(g for g in params.population if g.name == group)
        everyone = dataclasses.replace(chosen.prevalence, value=1.0)
        params = dataclasses.replace(params, population=(dataclasses.replace(chosen, prevalence=everyone),))
    simulate_vectorized(load_subtype(subtype), params, PAPERS_N, 7, record=record)
    return record["latent"][(state, "progression", None)]


def _trial_schedule(params, state: str, group: str | None) -> float | None:
    """The trial's assessment interval (months) the median of ``state``'s progression was observed at
    (``observed_every_months``), for ``group``'s patients; None when the median is taken as latent."""
    event = params.event_params(state, "progression")
    facts = next(g.facts for g in params.population if g.name == group) if group else {}
    timing = event.timing_for(facts)
    return None if timing.observed_every is None else timing.observed_every.value


def _observed_median(latent: np.ndarray, every: float) -> float:
    """Median of ``latent`` times recorded at the first scan at or after them, scans every ``every``
    months, read with linear interpolation between scans (as model.observed_median defines it)."""
    visits = np.maximum(np.ceil(latent / every), 1)
    k = 1
    while np.mean(visits <= k) < 0.5:
        k += 1
    low, high = np.mean(visits <= k - 1), np.mean(visits <= k)
    return (k - 1) * every + every * (0.5 - low) / (high - low)


@pytest.mark.parametrize("subtype,state,group,paper,row", PAPERS)
def test_simulated_time_to_progression_matches_the_paper(subtype, state, group, paper, row):
    """Simulated median time to progression (before imaging, ignoring intolerance) is within 3% of the
    trial's: the latent median, or, for a median set as observed at its trial's schedule, the median
    of the latent times recorded at that schedule."""
    latent = latent_times(subtype, state, group)
    params = load_params(subtype)
    interval = params.interval_months
    if params.event_params(state, "progression").timing.endpoint == "pfs":
        # The paper's median is a PFS (progression or death): let the state's death compete, as in the trial.
        dying = params.event_params(state, "death").timing.median
        death = np.random.default_rng(11).exponential(dying / math.log(2), len(latent))
        latent = np.minimum(latent, death)
    detected = np.maximum(np.ceil(latent / interval), 1) * interval
    latent_median = float(np.median(latent))
    schedule = _trial_schedule(params, state, group)
    if schedule is not None:     # the paper's median was read at its trial's scans: compare like with like
        assert abs(_observed_median(latent, schedule) / paper - 1) < 0.03
        return
    detected_median = float(np.quantile(detected, 0.5, method="inverted_cdf"))
    print(f"\n{subtype} {state}: paper {paper:.2f} mo ({row}); simulated latent median {latent_median:.2f} mo, "
          f"detected at imaging {detected_median:.0f} mo (every {interval:g} mo), n = {len(latent):,}")
    assert abs(latent_median / paper - 1) < 0.03
    first_visit = math.ceil(latent_median / interval) * interval
    assert detected_median / interval == round(detected_median / interval)
    assert abs(detected_median - first_visit) <= interval


# ---- seeds -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_same_seed_gives_byte_identical_logs(engine):
    """Two runs with one seed give byte-identical columns and patient facts."""
    pathway, params = load_subtype("gist"), load_params("gist")
    n = 1000 if engine == "stepwise" else 50_000
    a = simulate(pathway, params, n, 12, engine=engine)
    b = simulate(pathway, params, n, 12, engine=engine)
    for column in COLUMNS:
        assert getattr(a.log, column).tobytes() == getattr(b.log, column).tobytes()
    for name in a.patient_facts:
        assert a.patient_facts[name].tobytes() == b.patient_facts[name].tobytes()


@pytest.mark.parametrize("engine", heavy_matrix(ENGINES, keep=["vectorized"]))
def test_different_seeds_give_different_logs(engine):
    """Another seed gives another cohort (different patients and times)."""
    pathway, params = load_subtype("gist"), load_params("gist")
    a = simulate(pathway, params, 2000, 12, engine=engine)
    b = simulate(pathway, params, 2000, 13, engine=engine)
    assert a.log.t_months.tobytes() != b.log.t_months.tobytes()
    assert a.patient_facts["kit_exon"].tobytes() != b.patient_facts["kit_exon"].tobytes()


# ---- the switch ----------------------------------------------------------------------------------------

def test_simulate_runs_the_named_engine():
    """simulate() returns a result made by the engine asked for."""
    pathway, params = load_subtype("dfsp"), load_params("dfsp")
    for engine in ENGINES:
        assert simulate(pathway, params, 20, 1, engine=engine).engine == engine


def test_progress_reaches_the_whole_cohort():
    """Both engines report progress up to (n, n)."""
    pathway, params = load_subtype("pecoma"), load_params("pecoma")
    for engine in ENGINES:
        seen = []
        simulate(pathway, params, 1500, 1, engine=engine, progress=lambda d, t: seen.append((d, t)))
        assert seen[-1] == (1500, 1500)


@pytest.mark.parametrize("kwargs,argument,message", [
    ({"engine": "fast"}, "engine", "unknown engine 'fast'; expected one of vectorized, stepwise"),
    ({"n": 0}, "n", "expected a whole number of patients >= 1, got 0"),
    ({"n": 2.5}, "n", "expected a whole number of patients >= 1, got 2.5"),
    ({"seed": -1}, "seed", "expected a whole number from 0 to 2**128 - 1, got -1"),
])
def test_bad_requests_are_argument_errors(kwargs, argument, message):
    """A wrong engine, size or seed is an ArgumentError naming the library argument, not a flag."""
    request = {"n": 10, "seed": 1, "engine": "vectorized", **kwargs}
    with pytest.raises(ArgumentError) as caught:
        simulate(load_subtype("gist"), load_params("gist"), **request)
    assert caught.value.argument == argument
    assert caught.value.message == message
    assert "--" not in str(caught.value)


def test_parameters_of_another_subtype_are_refused():
    """Running GIST's pathway with leiomyosarcoma's parameters is an error naming both."""
    with pytest.raises(ParameterError, match="for 'leiomyosarcoma', not for the pathway 'gist'"):
        simulate(load_subtype("gist"), load_params("leiomyosarcoma"), 10, 1)
