"""Fuzzing scenario files, parameter files and ``--set`` values: every input is used or refused cleanly.

Each example mutates a valid input (a key removed, a value replaced by an extreme number, a
wrong type, a control character, a huge integer) and runs it as far as it gets: read, check,
run or simulate on both engines, summarise, write JSON. The only exception allowed is the
project's own ``SarcomaSimError`` with located, one-line problems; a success must give strict
JSON. ``filterwarnings = error`` turns any numpy warning into a failure. The default run is
small; the ``slow`` variants (run by CI) try many more examples.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarcoma_sim.cohort.params import load_params, params_from_documents, shipped_params_path
from sarcoma_sim.errors import SarcomaSimError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.yamlsource import parse_yaml
from sarcoma_sim.patient.scenario import parse_scenario, run_scenario

from helpers.budget import heavy_matrix

QUICK = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCENARIO = {
    "title": "KIT exon 9 GIST on clarithromycin",
    "patient": {"subtype": "gist", "markers": {"kit_exon": "exon9", "pdgfra": "none"},
                "comedications": ["clarithromycin"], "label": "p"},
    "start": {"at": 0, "choose": "imatinib_400", "note": "start"},
    "events": [{"at": 14, "event": "progression", "extent": "widespread"},
               {"at": 20, "event": "progression", "extent": "limited"}],
}

EXTREME_NUMBERS = st.sampled_from([
    0, -1, 1e-320, 5e-324, 1.7976931348623157e308, -1.7976931348623157e308, float("inf"), float("-inf"),
    float("nan"), 10 ** 308, -(10 ** 308), 10 ** 400, 2 ** 63, 2 ** 128, 0.1, 1e6, 1e6 + 1, 1e-7, 3,
])
ODD_VALUES = st.one_of(
    EXTREME_NUMBERS,
    st.sampled_from([None, True, False, "", " ", "x\x1b[2J", "\x07", "é", "1e308y", [], {}, [1, 2], {"a": 1}]),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10 ** 500), max_value=10 ** 500),
)


def paths_of(data, prefix=()):
    """Every path (tuple of keys and indices) of a nested document, the root included."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths_of(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from paths_of(value, prefix + (i,))


def mutated(data, draw) -> object:
    """A copy of ``data`` with one structural mutation or odd value drawn by hypothesis."""
    data = copy.deepcopy(data)
    paths = [p for p in paths_of(data) if p]
    path = draw(st.sampled_from(paths))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    operation = draw(st.sampled_from(["replace", "delete", "wrap", "duplicate"]))
    if operation == "delete":
        del parent[path[-1]]
    elif operation == "wrap":
        parent[path[-1]] = [parent[path[-1]]]
    elif operation == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[path[-1]]))
    else:
        parent[path[-1]] = draw(ODD_VALUES)
    return data


def as_yaml(data) -> str:
    """YAML text of ``data`` (huge ints and non-finite floats written as YAML writes them)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def assert_clean_refusal(error: SarcomaSimError) -> None:
    """A refusal the command line can print: at least one problem, each on one line with a message."""
    assert error.problems
    for line in error.error_lines():
        assert "\n" not in line and line.startswith("error: ") and len(line) > len("error: ")


def strict_json(text: str):
    """Parse JSON refusing NaN and Infinity."""
    def refuse(name):
        raise AssertionError(f"{name} in JSON output")
    return json.loads(text, parse_constant=refuse)


def check_scenario(text: str) -> None:
    """Read and run a scenario text: success with strict JSON, or a clean project error."""
    from sarcoma_sim.cli.run import render_text, result_document

    try:
        scenario = parse_scenario(text, "fuzz.yaml")
        result = run_scenario(scenario)
    except SarcomaSimError as error:
        assert_clean_refusal(error)
        return
    strict_json(json.dumps(result_document(scenario, result), allow_nan=False))
    rendered = render_text(scenario, result)
    assert "\x1b" not in rendered and "\x07" not in rendered


def check_params(documents=None, overrides=()) -> None:
    """Load parameters and, if accepted, simulate a few patients on both engines and summarise them."""
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.reports.summary import summarize, to_json

    pathway = load_subtype("gist")
    try:
        if documents is None:
            params = load_params(pathway, overrides=list(overrides))
        else:
            params = params_from_documents(pathway, documents, list(overrides))
    except SarcomaSimError as error:
        assert_clean_refusal(error)
        return
    for engine in ("vectorized", "stepwise"):
        result = simulate(pathway, params, 20, 3, engine=engine)
        strict_json(to_json(summarize(result, pathway)))


# -- scenario files ----------------------------------------------------------------------------

def _scenario_fuzz(data):
    check_scenario(as_yaml(mutated(SCENARIO, data.draw)))


@QUICK
@given(st.data())
def test_mutated_scenarios_run_or_are_refused_cleanly(data):
    """A scenario with one mutation runs (strict JSON, no escapes printed) or is a located ScenarioError."""
    _scenario_fuzz(data)


@pytest.mark.slow
@THOROUGH
@given(st.data())
def test_mutated_scenarios_thoroughly(data):
    """The scenario fuzz with a larger budget."""
    _scenario_fuzz(data)


@QUICK
@given(st.binary(max_size=200))
def test_arbitrary_bytes_after_a_valid_scenario_are_refused_cleanly(tail):
    """Arbitrary bytes appended to a valid scenario, read as text where they decode, never crash the reader."""
    check_scenario(as_yaml(SCENARIO) + tail.decode("utf-8", errors="replace"))


# -- parameter files ---------------------------------------------------------------------------

GIST_PARAMS = parse_yaml(shipped_params_path("gist").read_text("utf-8"), "gist.yaml").data


def _params_fuzz(data):
    text = as_yaml(mutated(GIST_PARAMS, data.draw))
    try:
        document = parse_yaml(text, "fuzz-params.yaml")
    except SarcomaSimError as error:
        assert_clean_refusal(error)
        return
    check_params([document])


@QUICK
@given(st.data())
def test_mutated_parameter_files_simulate_or_are_refused_cleanly(data):
    """A parameter file with one mutation simulates on both engines (strict JSON) or is a ParameterError."""
    _params_fuzz(data)


@pytest.mark.slow
@THOROUGH
@given(st.data())
def test_mutated_parameter_files_thoroughly(data):
    """The parameter-file fuzz with a larger budget."""
    _params_fuzz(data)


# -- --set values ------------------------------------------------------------------------------

SET_KEYS = [path for path, _ in load_params("gist").quantities()] + [
    "imatinib_400.progression.distribution", "imatinib_400.progression.shape",
    "sunitinib_50_intermittent.progression.shape", "imatinib_400.progression",
    "no_such_state.progression.median_months", "imatinib_400.progression.median_months.months",
]
SET_VALUES = st.one_of(
    st.sampled_from(["none", "null", "weibull", "lognormal", "exponential", "0", "-1", "1e308", "1.7e308y", "1e-320",
                     "0.0001", "5e-324", "inf", "nan", "1e6", "1000001", "50%", "150%", "-5%", "3wk", "3 d", "2y",
                     "1" * 400, "1x", "", " ", "=", "\x1b[2J"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(lambda number, unit: f"{number}{unit}", st.floats(min_value=-1e308, max_value=1e308),
              st.sampled_from(["", "mo", "wk", "d", "y", "%"])),
)


TIME_KEYS = [path.removeprefix("states.") for path, _ in load_params("gist").quantities()
             if path.endswith("median_months") and path.startswith("states.")]
TIMED = sorted({key.rsplit(".", 1)[0] for key in TIME_KEYS})
ACCEPTED_TIMES = st.one_of(st.sampled_from([1e-300, 5e-324, 1e-9, 1e6, 999_999.9]),
                           st.floats(min_value=5e-324, max_value=1e6))
ACCEPTED_SHAPES = {"weibull": st.one_of(st.sampled_from([0.05, 1000.0]), st.floats(min_value=0.05, max_value=1000)),
                   "lognormal": st.one_of(st.sampled_from([1e-300, 10.0]), st.floats(min_value=1e-300, max_value=10))}


def _accepted_extremes(data):
    overrides = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        timed = data.draw(st.sampled_from(TIMED))
        overrides.append(f"{timed}.median_months={data.draw(ACCEPTED_TIMES)!r}")
        distribution = data.draw(st.sampled_from(["exponential", "weibull", "lognormal"]))
        overrides.append(f"{timed}.distribution={distribution}")
        if distribution != "exponential":
            overrides.append(f"{timed}.shape={data.draw(ACCEPTED_SHAPES[distribution])!r}")
    check_params(overrides=overrides)


@QUICK
@given(st.data())
def test_extreme_accepted_values_run_on_both_engines(data):
    """Medians from 5e-324 to MAX_MONTHS and shapes at their limits run on both engines to strict JSON."""
    _accepted_extremes(data)


@pytest.mark.slow
@THOROUGH
@given(st.data())
def test_extreme_accepted_values_thoroughly(data):
    """The accepted-extremes fuzz with a larger budget."""
    _accepted_extremes(data)


def _set_fuzz(data):
    count = data.draw(st.integers(min_value=1, max_value=3))
    overrides = [f"{data.draw(st.sampled_from(SET_KEYS))}={data.draw(SET_VALUES)}" for _ in range(count)]
    check_params(overrides=overrides)


@QUICK
@given(st.data())
def test_set_overrides_simulate_or_are_refused_cleanly(data):
    """One to three --set overrides with extreme values: both engines run (strict JSON) or a ParameterError."""
    _set_fuzz(data)


@pytest.mark.slow
@THOROUGH
@given(st.data())
def test_set_overrides_thoroughly(data):
    """The --set fuzz with a larger budget."""
    _set_fuzz(data)


TARGETED_VALUES = ["1.7e308y", "1e305", "1e6", "1e-300", "0.0001", "none", "0", "-1", "1e-320", "inf", "nan",
                   "1" * 400, "5e-324"]


# The default run's share of the targeted values: the extremes of each kind (huge, tiny, zero,
# negative, not a number); the slow runs take them all.
EXTREME_VALUES = ["1.7e308y", "1e305", "1e-300", "0", "-1", "nan", "5e-324"]


def _targeted_runs(subtype: str, engines=("vectorized", "stepwise"), values=TARGETED_VALUES) -> None:
    """Every parameter of ``subtype`` set to each targeted extreme value (and as a Weibull shape), on ``engines``."""
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.reports.summary import summarize, to_json

    pathway = load_subtype(subtype)
    keys = [path.removeprefix("states.") for path, _ in load_params(subtype).quantities()]
    for key in keys:
        for value in values:
            sets = [[f"{key}={value}"]]
            if key.endswith("median_months"):
                timed = key.rsplit(".", 1)[0]
                sets.append([f"{timed}.distribution=weibull", f"{timed}.shape={value}"])
            for overrides in sets:
                try:
                    params = load_params(subtype, overrides=overrides)
                except SarcomaSimError as error:
                    assert_clean_refusal(error)
                    continue
                for engine in engines:
                    strict_json(to_json(summarize(simulate(pathway, params, 30, 1, engine=engine), pathway)))


@pytest.mark.parametrize("engine", heavy_matrix(("vectorized", "stepwise"), keep=["vectorized"]))
def test_targeted_set_runs_on_dfsp(engine):
    """Issue 13's targeted --set runs (every parameter x extreme values) on DFSP, one engine at a time."""
    _targeted_runs("dfsp", (engine,), EXTREME_VALUES if engine == "vectorized" else TARGETED_VALUES)


@pytest.mark.slow
@pytest.mark.parametrize("subtype", [s for s in SUBTYPE_IDS if s != "dfsp"])
def test_targeted_set_runs_on_every_other_subtype(subtype):
    """The targeted --set runs on every other shipped subtype."""
    _targeted_runs(subtype)
