"""sarcoma_sim: finite-state treatment pathways of soft-tissue sarcoma subtypes, for teaching.

Each subtype's course is data (``sarcoma_sim.pathways``); hypothetical patients are stepped
through it one at a time (``sarcoma_sim.patient``: scripted scenarios, the teaching case) or as
cohorts (``sarcoma_sim.cohort``), summarised and plotted by ``sarcoma_sim.reports``; the command
line (``sarcoma_sim.cli``) sits on top. For teaching only: never advice for a real patient.

The names in ``__all__`` are the public API. They are imported lazily, on first use, so that
``import sarcoma_sim`` stays fast and pulls in neither numpy nor matplotlib::

    import sarcoma_sim as ss
    gist = ss.load_subtype("gist")
    result = ss.simulate(gist, ss.load_params(gist), n=1000, seed=1)
    ss.summarize(result)["time_to_end_months"]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

# Public name -> the module that defines it.
_LAZY = {
    "SUBTYPE_IDS": "sarcoma_sim.pathways.load",
    "load_subtype": "sarcoma_sim.pathways.load",
    "load_pathway": "sarcoma_sim.pathways.load",
    "load_any": "sarcoma_sim.pathways.load",
    "build_graph": "sarcoma_sim.pathways.graph",
    "draw_pathway": "sarcoma_sim.pathways.draw",
    "save_pathway_drawing": "sarcoma_sim.pathways.draw",
    "load_scenario": "sarcoma_sim.patient.scenario",
    "parse_scenario": "sarcoma_sim.patient.scenario",
    "run_scenario": "sarcoma_sim.patient.scenario",
    "make_patient": "sarcoma_sim.patient.record",
    "Timeline": "sarcoma_sim.patient.timeline",
    "load_params": "sarcoma_sim.cohort.params",
    "simulate": "sarcoma_sim.cohort.engines",
    "CohortResult": "sarcoma_sim.cohort.eventlog",
    "summarize": "sarcoma_sim.reports.summary",
    "plot_time_on_line": "sarcoma_sim.reports.plots",
    "plot_sequences": "sarcoma_sim.reports.plots",
    "plot_occupancy": "sarcoma_sim.reports.plots",
    "SarcomaSimError": "sarcoma_sim.errors",
    "PathwayError": "sarcoma_sim.errors",
    "ScenarioError": "sarcoma_sim.errors",
    "ParameterError": "sarcoma_sim.errors",
}

__all__ = ["NOT_FOR_CLINICAL_USE", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from sarcoma_sim.version import tool_version
        return tool_version()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sarcoma_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.cohort.eventlog import CohortResult
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.errors import ParameterError, PathwayError, SarcomaSimError, ScenarioError
    from sarcoma_sim.pathways.draw import draw_pathway, save_pathway_drawing
    from sarcoma_sim.pathways.graph import build_graph
    from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_any, load_pathway, load_subtype
    from sarcoma_sim.patient.record import make_patient
    from sarcoma_sim.patient.scenario import load_scenario, parse_scenario, run_scenario
    from sarcoma_sim.patient.timeline import Timeline
    from sarcoma_sim.reports.plots import plot_occupancy, plot_sequences, plot_time_on_line
    from sarcoma_sim.reports.summary import summarize
