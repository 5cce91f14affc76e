"""Evidence parameters of a subtype's pathway: how long each state lasts and how choices fall.

One YAML file per subtype (``sarcoma_sim/cohort/params/data/<subtype>.yaml``) gives, for every state a patient can
stay in, the time to each event leaving it (exponential, Weibull or log-normal, by median and
shape), the probabilities of the event attributes its transitions read (``option``: which target
state; ``extent``: limited or widespread), the imaging interval at which progression is seen,
and the population's marker prevalences. Every number carries its provenance: ``source:`` (an
evidence.md or source-guideline statement) or ``illustrative: true``.

Times are months inside the simulator. A figure published in weeks, days or years stays in the
file as published (``median_months: {weeks: 27.3, ...}``) and is converted once, on loading, by
``to_months`` (1 mo = 4.345 wk, from evidence.md).

``load_params(subtype, path=FILE, overrides=["state.event.key=value"])`` merges a partial file and
single values over the shipped file and validates the result against the pathway, reporting
every problem at once with file, line and path, as ``ParameterError``.

The work is split by job, in modules of this package: ``model`` (the ``Params`` dataclasses and
time units), ``schema`` (what a pathway asks a file to give), ``merge`` (merging files, keeping
every node's file and line), ``override`` (``--set``) and ``check`` (validation). This module
loads and ties them together, and re-exports their public names.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Sequence

from sarcoma_sim.cohort.params.check import SUM_TOLERANCE, Validator
from sarcoma_sim.cohort.params.exits import apply_exit_defaults
from sarcoma_sim.cohort.params.merge import Located, copy_data, merge
from sarcoma_sim.cohort.params.model import (
    DAYS_PER_MONTH,
    DETECTED_AT_IMAGING,
    DISTRIBUTIONS,
    MONTHS_PER_YEAR,
    PLAIN_UNITS,
    SHAPED,
    TIME_UNITS,
    WEEKS_PER_MONTH,
    EventParams,
    Group,
    Params,
    Quantity,
    StateParams,
    Timing,
    to_months,
)
from sarcoma_sim.cohort.params.override import OVERRIDE_FILE, apply_override
from sarcoma_sim.cohort.params.schema import OPTION, TIMING_KEYS, TOP_KEYS
from sarcoma_sim.errors import ParameterError, Problem
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.pathways.yamlsource import YamlDocument, read_yaml

__all__ = [
    "DAYS_PER_MONTH", "DETECTED_AT_IMAGING", "DISTRIBUTIONS", "MONTHS_PER_YEAR", "OPTION", "OVERRIDE_FILE",
    "PLAIN_UNITS", "SHAPED", "SUM_TOLERANCE", "TIME_UNITS", "TIMING_KEYS", "TOP_KEYS", "WEEKS_PER_MONTH",
    "EventParams", "Group", "Params", "Quantity", "StateParams", "Timing",
    "load_params", "params_from_documents", "shipped_params_path", "to_months",
]


def shipped_params_path(subtype: str) -> Path:
    """Where the shipped parameter file of ``subtype`` lives (it may not exist for a custom pathway)."""
    return Path(str(resources.files(__package__).joinpath("data"))) / f"{subtype}.yaml"


def load_params(subtype: str | Pathway, path: str | Path | None = None,
                overrides: Sequence[str] = ()) -> Params:
    """The validated parameters of ``subtype`` (an id or a ``Pathway``).

    ``path`` is merged over the shipped file (or is the whole file for a pathway that ships none);
    ``overrides`` are ``KEY=VALUE`` strings (``imatinib_400.progression.median_months=20``,
    ``...=27.3wk``, ``population.kit_exon9.prevalence=12%``) applied last. Any problem anywhere
    raises ``ParameterError`` listing them all.
    """
    if isinstance(subtype, Pathway):
        pathway = subtype
    else:
        from sarcoma_sim.pathways.load import load_subtype
        pathway = load_subtype(subtype)
    shipped = shipped_params_path(pathway.id)
    documents = []
    if shipped.exists():
        documents.append(read_yaml(shipped, error=ParameterError))
    if path is not None:
        documents.append(read_yaml(path, error=ParameterError))
    if not documents:
        raise ParameterError(Problem(str(shipped), None, "",
                                   f"no parameter file ships for {pathway.id!r}; give one with --params FILE"))
    return params_from_documents(pathway, documents, overrides)


def params_from_documents(pathway: Pathway, documents: Sequence[YamlDocument],
                          overrides: Sequence[str] = ()) -> Params:
    """Merge parsed parameter documents (first is the base) and overrides; validate; build ``Params``."""
    problems: list[Problem] = []
    pathway = with_competing_exits(pathway)
    base = documents[0]
    if not isinstance(base.data, dict):
        raise ParameterError(base.problem((), "expected a mapping with subtype, imaging, population, states"))
    located = Located(YamlDocument(copy_data(base.data), base.file, dict(base.lines)))
    for doc in documents[1:]:
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), "expected a mapping (a partial parameter file)"))
            continue
        located.data = merge(located, located.data, copy_data(doc.data), (), doc.file, doc.lines, ())
    # --set on a competing-exit default first, so the defaults copied into the states carry it;
    # then the defaults; then every other --set (a state's own exit among them).
    exit_overrides = [o for o in overrides if o.strip().startswith("competing_exits.")]
    for item in exit_overrides:
        apply_override(pathway, located, item, problems)
    apply_exit_defaults(pathway, located, problems)
    for item in overrides:
        if item not in exit_overrides:
            apply_override(pathway, located, item, problems)
    if problems:
        raise ParameterError(problems)
    origin = " + ".join([_display_path(d.file) for d in documents] + [f"--set {o}" for o in overrides])
    return Validator(pathway, located, origin).build()


def _display_path(file: str) -> str:
    try:
        inside = Path(file).resolve().relative_to(Path(str(resources.files("sarcoma_sim"))).resolve())
        return f"sarcoma_sim/{inside.as_posix()}"
    except ValueError:
        return file
