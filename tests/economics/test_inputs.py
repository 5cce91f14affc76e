"""Economic input files: the shipped GIST file loads; every wrong input is a located error."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.cohort.params import DAYS_PER_MONTH
from sarcoma_sim.economics.inputs import EconomicInputError, inputs_from_document, load_inputs, on_fraction, rates
from sarcoma_sim.pathways.yamlsource import parse_yaml

from helpers.economics import COSTS, load_gist


@pytest.fixture(scope="module")
def gist():
    """(pathway, params) of the shipped GIST files."""
    return load_gist()


def _doc(data: dict):
    return parse_yaml(yaml.safe_dump(data, sort_keys=False), "costs.yaml", error=EconomicInputError)


def _base() -> dict:
    return yaml.safe_load(COSTS.read_text(encoding="utf-8"))


def test_the_shipped_gist_costs_load_with_currency_and_every_value_cited_or_illustrative(gist):
    """The GIST costs file states GBP and its price year; each value is sourced or illustrative."""
    inputs = load_inputs(COSTS, gist[0])
    assert (inputs.currency, inputs.price_year) == ("GBP", 2010)
    assert inputs.values["drugs.sunitinib.price_per_mg"].source.startswith("NICE TA179")
    assert inputs.values["drugs.imatinib.price_per_mg"].illustrative      # a generic-era price, its note says
    assert all(v.source or v.illustrative for v in inputs.values.values())


def test_drug_cost_per_month_comes_from_dose_schedule_and_price(gist):
    """Imatinib 400 mg daily costs 400 x 30.4 days x price; sunitinib 4 on/2 off costs two thirds of daily."""
    pathway = gist[0]
    inputs = load_inputs(COSTS, pathway)
    r = rates(inputs, pathway)
    i400 = r.state_ids.index("imatinib_400")
    assert r.drug_per_month[i400] == pytest.approx(400 * DAYS_PER_MONTH * 0.025)
    s50 = r.state_ids.index("sunitinib_50_intermittent")
    assert r.drug_per_month[s50] == pytest.approx(50 * DAYS_PER_MONTH * 4 / 6 * 2.2420)
    assert r.cost_per_month[i400] == pytest.approx(r.drug_per_month[i400] + 350)
    assert r.utility_per_year[r.state_ids.index("best_supportive_care")] == 0.5
    assert r.utility_per_year[i400] == 0.76 and r.utility_per_year[s50] == 0.66   # a state's own weight wins
    assert r.cost_on_event[r.event_names.index("death")] == 4000
    changed = rates(inputs, pathway, {"drugs.imatinib.price_per_mg": 0.0})
    assert changed.drug_per_month[i400] == 0.0


@given(st.integers(1, 12), st.integers(0, 12))
def test_an_on_off_schedule_gives_its_share_of_days(on, off):
    """``N weeks on/M weeks off`` is N/(N+M) of the days; anything else is every day."""
    assert on_fraction(f"{on} weeks on/{off} weeks off") == pytest.approx(on / (on + off))
    assert on_fraction("continuously") == 1.0
    assert on_fraction(None) == 1.0


@pytest.mark.parametrize("change, where, says", [
    (lambda d: d["drugs"]["imatinib"].update(price_per_mg=0.1), "drugs.imatinib.price_per_mg", "expected a mapping"),
    (lambda d: d["drugs"]["sunitinib"]["price_per_mg"].pop("source"), "drugs.sunitinib.price_per_mg",
     "cite a source"),
    (lambda d: d["drugs"]["imatinib"]["price_per_mg"].update(value=-1), "drugs.imatinib.price_per_mg.value",
     "at least 0"),
    (lambda d: d["drugs"].pop("sunitinib"), "drugs", "no price for sunitinib"),
    (lambda d: d["drugs"].update(aspirin={"price_per_mg": {"value": 1, "illustrative": True}}), "drugs.aspirin",
     "no drug 'aspirin'"),
    (lambda d: d["one_off"]["entering"].update(no_such_state={"value": 1, "illustrative": True}),
     "one_off.entering.no_such_state", "no state 'no_such_state'"),
    (lambda d: d["one_off"]["events"].update(explosion={"value": 1, "illustrative": True}),
     "one_off.events.explosion", "no event 'explosion'"),
    (lambda d: d["utilities"]["by_kind"]["therapy"].update(value=1.2), "utilities.by_kind.therapy.value",
     "at most 1"),
    (lambda d: d["utilities"]["by_kind"].pop("therapy"), "utilities", "no utility for"),
    (lambda d: d.update(currency="pounds"), "currency", "three-letter"),
    (lambda d: d.pop("price_year"), "price_year", "year prices are stated in"),
    (lambda d: d.update(extra=1), "extra", "unknown section"),
])
def test_each_wrong_input_is_a_located_error(gist, change, where, says):
    """A wrong costs file names the file, the line and the path inside it, and what was expected."""
    data = _base()
    change(data)
    with pytest.raises(EconomicInputError) as caught:
        inputs_from_document(_doc(data), gist[0])
    problem = next(p for p in caught.value.problems if p.path == where)
    assert problem.file == "costs.yaml" and problem.line is not None
    assert says in problem.message
    assert all(line.startswith("error: costs.yaml") for line in caught.value.error_lines())


def test_a_file_that_is_not_a_mapping_is_refused(gist):
    """A costs file holding a list is one located error."""
    with pytest.raises(EconomicInputError, match="expected a mapping"):
        inputs_from_document(parse_yaml("- 1\n", "costs.yaml", error=EconomicInputError), gist[0])


def test_a_rate_plan_made_once_gives_the_arrays_of_the_file_and_of_each_sample(gist):
    """The plan a PSA makes once reproduces ``rates`` byte for byte, with and without sampled values,
    and a sampled price moves only the states that give the drug."""
    from sarcoma_sim.economics.inputs import rate_plan

    pathway = gist[0]
    inputs = load_inputs(COSTS, pathway)
    plan = rate_plan(inputs, pathway)
    sample = {"drugs.imatinib.price_per_mg": 0.2, "utilities.by_kind.therapy": 0.7,
              "monthly.by_kind.therapy.outpatient_and_monitoring": 410.0, "one_off.events.death": 3000.0}
    for values in (None, sample):
        a, b = plan.rates(values), rates(inputs, pathway, values)
        for name in ("cost_per_month", "drug_per_month", "utility_per_year", "cost_on_event", "cost_on_entry",
                     "disutility_on_event", "disutility_on_entry"):
            assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    base, moved = plan.rates(), plan.rates({"drugs.imatinib.price_per_mg": 0.2})
    imatinib = [i for i, s in enumerate(base.state_ids)
                if (st := pathway.states.get(s)) is not None and st.regimen and "imatinib" in st.regimen.drugs]
    assert imatinib and set(np.flatnonzero(moved.drug_per_month != base.drug_per_month)) == set(imatinib)
    assert moved.drug_per_month[imatinib[0]] == pytest.approx(base.drug_per_month[imatinib[0]] * 0.2 / 0.025)
