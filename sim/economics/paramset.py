"""Replace single numbers of a ``Params`` by path, for sampled and one-way values.

Paths are those of ``Params.quantities`` under ``states`` and ``imaging``:
``states.<state>.<event>.median_months`` (or ``shape``), ``states.<state>.<event>.<attribute>.<value>``
(a branch probability; the engine rescales a branch's probabilities to sum to one),
``states.<state>.<event>.by_patient.<attribute>.<value>.median_months`` (or ``shape``),
``states.<state>.after.<previous>.<event>...`` and ``imaging.interval_months``. The value is the
simulator's own: months for times (the latent median), a fraction for probabilities.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from sarcoma_sim.cohort.params import EventParams, Params, Quantity, Timing


def _with(q: Quantity, value: float) -> Quantity:
    return replace(q, value=float(value))


def _timing(timing: Timing | None, leaf: str, value: float, path: str) -> Timing:
    if timing is None:
        raise KeyError(f"{path}: this event has no timing")
    if leaf == "median_months":
        return replace(timing, median_months=_with(timing.median_months, value))
    if leaf == "shape" and timing.shape is not None:
        return replace(timing, shape=_with(timing.shape, value))
    raise KeyError(f"{path}: expected median_months or shape (shape only for weibull and lognormal)")


def _event(events: dict[str, EventParams], rest: list[str], value: float, path: str) -> dict[str, EventParams]:
    if not rest or rest[0] not in events:
        raise KeyError(f"{path}: no event {rest[0] if rest else ''!r} here; events: {', '.join(events)}")
    ep, key = events[rest[0]], rest[1:]
    if len(key) == 1:
        ep = replace(ep, timing=_timing(ep.timing, key[0], value, path))
    elif len(key) == 2 and key[0] in ep.choices and key[1] in ep.choices[key[0]]:
        values = dict(ep.choices[key[0]])
        values[key[1]] = _with(values[key[1]], value)
        ep = replace(ep, choices={**ep.choices, key[0]: values})
    elif len(key) == 4 and key[0] == "by_patient":
        entries = list(ep.by_patient)
        for i, (attribute, val, timing) in enumerate(entries):
            if (attribute, val) == (key[1], key[2]):
                entries[i] = (attribute, val, _timing(timing, key[3], value, path))
                break
        else:
            raise KeyError(f"{path}: no by_patient entry {key[1]}.{key[2]}")
        ep = replace(ep, by_patient=tuple(entries))
    else:
        raise KeyError(f"{path}: expected median_months, shape, ATTRIBUTE.VALUE or by_patient.ATTRIBUTE.VALUE.KEY")
    return {**events, rest[0]: ep}


def set_param(params: Params, path: str, value: float) -> Params:
    """``params`` with the number at ``path`` replaced (``KeyError`` naming what exists if none is there)."""
    parts = path.split(".")
    if parts == ["imaging", "interval_months"]:
        return replace(params, imaging_interval=_with(params.imaging_interval, value))
    if len(parts) < 3 or parts[0] != "states" or parts[1] not in params.states:
        raise KeyError(f"{path}: expected states.STATE.EVENT... with a state that has parameters, or "
                       "imaging.interval_months")
    sp = params.states[parts[1]]
    rest = parts[2:]
    if rest[0] == "after":
        if len(rest) < 3 or rest[1] not in sp.after:
            raise KeyError(f"{path}: {parts[1]} has no parameters after {rest[1] if len(rest) > 1 else ''!r}")
        sp = replace(sp, after={**sp.after, rest[1]: _event(sp.after[rest[1]], rest[2:], value, path)})
    else:
        sp = replace(sp, events=_event(sp.events, rest, value, path))
    return replace(params, states={**params.states, parts[1]: sp})


def with_params(params: Params, values: Mapping[str, float]) -> Params:
    """``params`` with every path of ``values`` replaced."""
    for path, value in values.items():
        params = set_param(params, path, value)
    return params


def changed_states(values: Mapping[str, float]) -> frozenset[str] | None:
    """The states whose parameters ``values`` replace; None when a path reaches beyond one state
    (``imaging.interval_months`` changes every state's times)."""
    states = set()
    for path in values:
        parts = path.split(".")
        if len(parts) < 3 or parts[0] != "states":
            return None
        states.add(parts[1])
    return frozenset(states)
