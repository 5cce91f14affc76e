"""The vectorized cohort engine: the pathway and its parameters compiled to arrays, advanced with numpy.

``compile_pathway`` turns a pathway and its parameters into tables. A *variant* is a state as
entered (a state, or a state entered from a given previous state when the parameters say so,
e.g. imatinib 400 mg after resection). For every variant and each of its events (*slots*), the
tables hold how the time to the event is drawn and whether imaging must see it; for every
(variant, slot, patient profile, event attribute values) the next variant. The next variant is
found by evaluating the pathway's own conditions with ``sarcoma_sim.pathways.conditions.holds`` once per
distinct combination: conditions stay data, nothing is written per subtype.

``simulate_vectorized`` then moves every patient still in the pathway one transition per step:
all their event times drawn at once from standard exponential variates (inverse transforms:
exponential, Weibull, log-normal), progression rounded up to the next imaging visit, the
earliest event fired, attribute values chosen with one more variate (u = exp(-x) is uniform),
the next node looked up. Patients are processed in chunks; random numbers come from streams
keyed by (seed, block of ``BLOCK`` patients, step) and each patient takes the row of its rank
among the block's patients still moving, which depends only on the patients before it: patient
i is the same whatever the cohort size or chunk size. Working memory is one chunk's; only the
event log itself (about 22 bytes a row) grows with the cohort.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from sarcoma_sim.cohort.eventlog import CohortResult, EventLog
from sarcoma_sim.cohort.params import Params
from sarcoma_sim.cohort.population import sample_groups
from sarcoma_sim.cohort.streams import BLOCK, VECTORIZED, blocks, check_cohort_size, check_seed, stream
from sarcoma_sim.errors import PathwayError, Problem
from sarcoma_sim.pathways.conditions import holds
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.model import Pathway

LN2 = math.log(2.0)
EXPONENTIAL, WEIBULL, LOGNORMAL, AT_ONCE, NEVER = range(5)
NEVER_SCALE = math.inf           # a slot a variant lacks: outside every real time, so it never comes first
MAX_STEPS = 10_000                # a pathway that loops forever is refused, not run
ENDED = -1                        # next node of a transition into an end state
NO_TARGET = -2                    # next node where no transition's condition holds


@dataclass(frozen=True)
class CompiledPathway:
    """A pathway and its parameters as arrays over *nodes* (variant x patient profile).

    N nodes, K slots (the first ``detected_slots`` hold events seen at imaging), C choice
    combinations. ``index = (node * K + slot) * C + combination`` addresses the flat tables.
    """

    state_ids: tuple[str, ...]
    event_names: tuple[str, ...]
    variants: tuple[tuple[str, str | None], ...]   # (state, entered_from or None)
    profiles: tuple[tuple[tuple[str, str], ...], ...]   # sorted patient facts of each profile
    n_slots: int
    n_combinations: int
    detected_slots: int
    initial_state: int
    start_slot: int
    group_node: np.ndarray       # (G,) intp: node of each population group in the initial state
    node_variant: np.ndarray     # (N,) intp
    slot_family: np.ndarray      # (N, K) int8: EXPONENTIAL, WEIBULL, LOGNORMAL, AT_ONCE or NEVER
    slot_scale: np.ndarray       # (N, K) float64: multiplies the transformed variate
    slot_power: np.ndarray       # (N, K) float64: 1/k for Weibull, sigma for log-normal, else 1
    choice_cum: np.ndarray       # (N * K * C,) float64: cumulative probabilities, padded with 2.0
    next_node: np.ndarray        # (N * K * C,) intp: node entered; ENDED into an end state; NO_TARGET
    event_of: np.ndarray         # (N * K * C,) int16: event fired
    to_state_of: np.ndarray      # (N * K * C,) int16: state entered
    interval: float

    @property
    def event_and_state(self) -> np.ndarray:
        """(N * K * C,) int32 whose two int16 halves (``.view(np.int16)``) are event and state entered."""
        return np.stack([self.event_of, self.to_state_of], axis=1).view(np.int32).reshape(-1)

    def slot_name(self, node: int, slot: int) -> str | None:
        """The event in ``slot`` of ``node`` (None for an empty slot)."""
        code = self.event_of[(node * self.n_slots + slot) * self.n_combinations]
        return None if self.slot_family[node, slot] == NEVER else self.event_names[code]


def compile_pathway(pathway: Pathway, params: Params, like: CompiledPathway | None = None,
                    changed: frozenset[str] | None = None) -> CompiledPathway:
    """Compile ``pathway`` with ``params`` to tables (see the module docstring).

    Every (node, event, attribute values) is decided by the pathway's own conditions
    (``holds``), evaluated once here. Events seen at imaging get the leading slots; the others
    keep their pathway order after them (ties between the two groups have probability zero:
    imaging times lie on a lattice, the others are continuous).

    ``like``, the same pathway compiled with parameters of the same shape (only numbers changed,
    as in a PSA sample), lends its transitions: only the times and probabilities are rebuilt, and
    with ``changed`` (the states whose parameters differ from ``like``'s) only theirs.
    """
    pathway = with_competing_exits(pathway)
    states = tuple(pathway.states)
    events = tuple(pathway.events)
    terminal = {s for s, st in pathway.states.items() if st.kind == "terminal"}
    variants: list[tuple[str, str | None]] = []
    for s in states:
        variants.append((s, None))
        if s in params.states:
            variants.extend((s, previous) for previous in params.states[s].after)
    var_index = {v: i for i, v in enumerate(variants)}

    profiles: list[tuple] = []
    group_profile = []
    for g in params.population:
        key = tuple(sorted(g.facts.items()))
        if key not in profiles:
            profiles.append(key)
        group_profile.append(profiles.index(key))
    P = len(profiles)

    def event_list(variant):
        """The events of a variant with their parameters, in pathway order (none for an end)."""
        state, previous = variant
        return [] if state in terminal else list(params.states[state].for_entry(previous).items())

    lists = [event_list(v) for v in variants]
    detected = [[x for x in lst if x[1].detected_at_imaging] for lst in lists]
    others = [[x for x in lst if not x[1].detected_at_imaging] for lst in lists]
    D = max(len(d) for d in detected)
    K = max(1, D + max(len(o) for o in others))
    slotted = [d + [None] * (D - len(d)) + o for d, o in zip(detected, others)]
    C = max([1] + [math.prod(len(values) for values in ep.choices.values()) for lst in lists for _, ep in lst])
    N = len(variants) * P
    same = (like is not None and like.variants == tuple(variants) and like.profiles == tuple(profiles)
            and (like.n_slots, like.n_combinations, like.detected_slots) == (K, C, D)
            and like.state_ids == states and like.event_names == events)

    if same and changed is not None:
        assert like is not None
        slot_family, slot_scale, slot_power = like.slot_family.copy(), like.slot_scale.copy(), like.slot_power.copy()
        choice_cum, event_of = like.choice_cum.reshape(N, K, C).copy(), like.event_of.reshape(N, K, C).copy()
    else:
        slot_family = np.full((N, K), NEVER, np.int8)
        slot_scale = np.full((N, K), NEVER_SCALE)
        slot_power = np.ones((N, K))
        choice_cum = np.full((N, K, C), 2.0)
        event_of = np.zeros((N, K, C), np.int16)
    next_node = np.full((N, K, C), NO_TARGET, np.intp)
    for v, (state, _previous) in enumerate(variants):
        if same and changed is not None and state not in changed:
            continue
        for k, item in enumerate(slotted[v]):
            if item is None:
                continue
            event, ep = item
            combinations = ep.combinations()
            probabilities = np.array([p for _, p in combinations])
            cumulative = np.cumsum(probabilities) / probabilities.sum()
            cumulative[-1] = 1.0
            for p, profile in enumerate(profiles):
                node = v * P + p
                # A node is a variant for one patient profile, so timing by patient attribute is per node.
                slot_family[node, k], slot_scale[node, k], slot_power[node, k] = _slot_timing(
                    ep.timing_for(dict(profile)))
                choice_cum[node, k, :len(cumulative)] = cumulative
                event_of[node, k, :] = events.index(event)
                if same:
                    continue
                for c, (values, _) in enumerate(combinations):
                    facts = {**dict(profile), **values}
                    target = next((t.target for t in pathway.outgoing(state, event) if holds(t.when, facts)), None)
                    if target is not None:
                        entered = var_index.get((target, state), var_index[(target, None)])
                        next_node[node, k, c] = entered * P + p
    node_variant = np.repeat(np.arange(len(variants)), P)
    if same:
        assert like is not None
        next_node, target_state = like.next_node.reshape(N, K, C), like.to_state_of.reshape(N, K, C)
    else:
        node_state = np.array([states.index(variants[v][0]) for v in node_variant], np.int16)
        # The state entered is read before end nodes become ENDED.
        target_state = np.where(next_node >= 0, node_state[np.maximum(next_node, 0)], -1).astype(np.int16)
        node_ends = np.array([variants[v][0] in terminal for v in node_variant])
        next_node = np.where((next_node >= 0) & node_ends[np.maximum(next_node, 0)], ENDED, next_node)
    initial = var_index[(pathway.initial, None)]
    start_slot = next(k for k, item in enumerate(slotted[initial]) if item is not None and item[0] == "start")
    _check_reachable_transitions(pathway, params, variants, profiles, slot_family, choice_cum, next_node,
                                 event_of, [initial * P + p for p in group_profile])
    return CompiledPathway(
        states, events, tuple(variants), tuple(profiles), K, C, D, states.index(pathway.initial), start_slot,
        np.array([initial * P + p for p in group_profile], np.intp), node_variant, slot_family, slot_scale,
        slot_power, choice_cum.reshape(-1), next_node.reshape(-1), event_of.reshape(-1),
        target_state.reshape(-1), params.interval_months)


def _slot_timing(timing) -> tuple[int, float, float]:
    """(family, scale, power) of a slot: the variate transform that gives ``timing``."""
    if timing is None:
        return AT_ONCE, 0.0, 1.0
    if timing.distribution == "exponential":
        return EXPONENTIAL, timing.median / LN2, 1.0
    if timing.distribution == "weibull":
        power = 1.0 / timing.shape.value
        return WEIBULL, timing.median / LN2 ** power, power
    return LOGNORMAL, timing.median, timing.shape.value


def _check_reachable_transitions(pathway, params, variants, profiles, slot_family, choice_cum, next_node,
                                 event_of, start_nodes) -> None:
    """Refuse tables where a patient could reach a (node, event, values) that no transition admits.

    ``sarcoma_sim.cohort.params`` validation already guarantees this for loaded parameters; this protects the
    loop (which does not check) from hand-built ones.
    """
    K, C = choice_cum.shape[1:]
    P = len(profiles)
    prevalent = [n for n, g in zip(start_nodes, params.population) if g.prevalence.value > 0]
    seen, todo = set(), list(prevalent)
    while todo:
        node = todo.pop()
        if node in seen or node < 0:
            continue
        seen.add(node)
        for k in range(K):
            if slot_family[node, k] == NEVER:
                continue
            cum = choice_cum[node, k]
            widths = np.diff(np.concatenate(([0.0], np.minimum(cum, 1.0))))
            for c in range(C):
                if widths[c] <= 0:
                    continue
                target = next_node[node, k, c]
                if target == NO_TARGET:
                    state = variants[node // P][0]
                    raise PathwayError(Problem(pathway.file, None, "", (
                        f"no transition of {state} on {pathway.events[event_of[node, k, c]]} holds for "
                        f"{dict(profiles[node % P])}")))
                todo.append(target)


# ---------------------------------------------------------------------------------------------
# Inverse transforms of standard exponential variates
# ---------------------------------------------------------------------------------------------

def _polynomial(coefficients, x):
    result = x * coefficients[0]
    result += coefficients[1]
    for c in coefficients[2:]:
        result *= x
        result += c
    return result


# Wichura's AS241 (as in Python's statistics.NormalDist.inv_cdf), highest power first.
_CENTRAL_NUM = (2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
                13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.387132872796366608)
_CENTRAL_DEN = (5226.495278852854561, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867,
                5394.1960214247511077, 687.1870074920579083, 42.313330701600911252, 1.0)
_NEAR_NUM = (7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177, 1.27045825245236838258,
             3.64784832476320460504, 5.7694972214606914055, 4.6303378461565452959, 1.42343711074968357734)
_NEAR_DEN = (1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966,
             0.14810397642748007459, 0.68976733498510000455, 1.6763848301838038494, 2.05319162663775882187, 1.0)
_FAR_NUM = (2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386,
            0.026532189526576123093, 0.29656057182850489123, 1.7848265399172913358, 5.4637849111641143699,
            6.6579046435011037772)
_FAR_DEN = (2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
            7.868691311456132591e-4, 0.0148753612908506148525, 0.13692988092273580531, 0.59983220655588793769, 1.0)


def normal_from_exponential(e: np.ndarray) -> np.ndarray:
    """Standard normal variates z = Phi^-1(1 - exp(-e)) from standard exponential ``e`` (AS241).

    The upper tail uses -log(1 - p) = e exactly, so no precision is lost where p is near 1.
    """
    e = np.maximum(np.asarray(e, dtype=np.float64), 1e-300)
    p = -np.expm1(-e)
    q = p - 0.5
    z = np.empty_like(e)
    central = np.abs(q) <= 0.425
    if central.any():
        qc = q[central]
        r = 0.180625 - qc * qc
        z[central] = qc * _polynomial(_CENTRAL_NUM, r) / _polynomial(_CENTRAL_DEN, r)
    tail = ~central
    if tail.any():
        upper = q[tail] > 0
        # sqrt(-log(min(p, 1 - p))): 1 - p = exp(-e), so -log(1 - p) = e.
        r = np.sqrt(np.where(upper, e[tail], -np.log(np.where(upper, 0.5, p[tail]))))
        near = r <= 5.0
        x = np.empty_like(r)
        rn, rf = r[near] - 1.6, r[~near] - 5.0
        x[near] = _polynomial(_NEAR_NUM, rn) / _polynomial(_NEAR_DEN, rn)
        x[~near] = _polynomial(_FAR_NUM, rf) / _polynomial(_FAR_DEN, rf)
        z[tail] = np.where(upper, x, -x)
    return z


# ---------------------------------------------------------------------------------------------
# Random streams by (block, step)
# ---------------------------------------------------------------------------------------------

class _StepStreams:
    """Standard exponential variates by (block, step), drawn in patient order across chunks.

    Block b has its own generator (``stream(seed, VECTORIZED, b)``); step k reads its
    substream starting ``k * 2**64`` draws in (``advance``), so steps never overlap. At each
    step every moving patient of the block takes the next row, in patient order; where a chunk
    boundary splits a block, the substream's position is kept for the next chunk.
    """

    SPACING = 1 << 64

    def __init__(self, seed: int):
        self.seed = seed
        self.blocks: dict[int, tuple[np.random.Generator, dict]] = {}
        self.positions: dict[tuple[int, int], dict] = {}
        self.drawn = 0

    def _take(self, block: int, step: int, size: tuple[int, int]) -> np.ndarray:
        entry = self.blocks.get(block)
        if entry is None:
            generator = stream(self.seed, VECTORIZED, block)
            entry = self.blocks[block] = (generator, generator.bit_generator.state)
        generator, start = entry
        position = self.positions.get((block, step))
        if position is None:
            generator.bit_generator.state = start
            generator.bit_generator.advance(step * self.SPACING)
        else:
            generator.bit_generator.state = position
        variates = generator.standard_exponential(size)
        self.positions[(block, step)] = generator.bit_generator.state
        return variates

    def draw(self, step: int, act: np.ndarray, lo: int, width: int) -> np.ndarray:
        """A (len(act), width) array of variates for the sorted chunk-local patients ``act``."""
        m = len(act)
        self.drawn += m * width
        first, last = (lo + int(act[0])) // BLOCK, (lo + int(act[-1])) // BLOCK
        if first == last:
            return self._take(first, step, (m, width))
        cuts = np.searchsorted(act, np.arange(first + 1, last + 1) * BLOCK - lo)
        bounds = [0, *cuts.tolist(), m]
        return np.concatenate([self._take(first + j, step, (bounds[j + 1] - bounds[j], width))
                               for j in range(last - first + 1)])

    def finish_blocks_before(self, patient: int) -> None:
        """Forget the generators and positions of blocks that end at or before ``patient``."""
        done = patient // BLOCK
        for block in [b for b in self.blocks if b < done]:
            del self.blocks[block]
        for key in [k for k in self.positions if k[0] < done]:
            del self.positions[key]


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tables:
    """The compiled tables re-indexed for the inner loop.

    A moving patient is held as ``at = node * K * C``; the event in slot k with combination c
    is then at ``at + k * C + c`` of every flat table, so the loop never multiplies indices.
    """

    scale: tuple          # per slot: (N*K*C,) scale at ``at``; / interval if seen at imaging; < 0 if shaped
    power: tuple          # per slot: (N*K*C,) 1/k or sigma at ``at``
    family: tuple         # per slot: (N*K*C,) int8 family at ``at``
    any_shaped: tuple
    any_lognormal: tuple
    never: tuple          # per slot: (N*K*C,) bool, True at ``at`` of nodes lacking the slot; None if none do
    below: np.ndarray     # (N*K*C,) -log(cumulative probability): x < below[i] means u > cum[i]
    next_at: np.ndarray   # (N*K*C,) ``at`` of the node entered, ENDED for an end state
    event_and_state: np.ndarray
    start_at: np.ndarray  # (G,) ``at`` of each population group's start slot
    choose_at_start: bool
    width: int            # variates per moving patient and step after the start

    @classmethod
    def of(cls, cp: CompiledPathway) -> "_Tables":
        """The loop's tables for ``cp``."""
        K, C, D = cp.n_slots, cp.n_combinations, cp.detected_slots
        N = len(cp.node_variant)
        stride = K * C
        at = np.arange(N) * stride
        scale, power, family, any_shaped, any_lognormal, never = [], [], [], [], [], []
        for k in range(K):
            shaped = np.isin(cp.slot_family[:, k], (WEIBULL, LOGNORMAL))
            lacking = cp.slot_family[:, k] == NEVER
            # The loop multiplies scale by a variate that may be 0; a lacking slot gets 0 there (no
            # inf * 0 = NaN) and is set to inf through ``never``.
            s = np.where(lacking, 0.0, cp.slot_scale[:, k]) / (cp.interval if k < D else 1.0)
            for table, values in ((scale, np.where(shaped, -s, s)), (power, cp.slot_power[:, k]),
                                  (family, cp.slot_family[:, k])):
                full = np.zeros(N * stride, values.dtype)
                full[at] = values
                table.append(full)
            any_shaped.append(bool(shaped.any()))
            any_lognormal.append(bool((cp.slot_family[:, k] == LOGNORMAL).any()))
            if lacking.any():
                full = np.zeros(N * stride, bool)
                full[at] = lacking
                never.append(full)
            else:
                never.append(None)
        with np.errstate(divide="ignore"):
            below = -np.log(np.minimum(cp.choice_cum, 1.0))
        below[cp.choice_cum > 1.0] = -1.0
        next_at = np.where(cp.next_node >= 0, cp.next_node * stride, ENDED)
        start_nodes = np.unique(cp.group_node)
        has_choice = cp.choice_cum.reshape(N, K, C)[:, :, 0] < 1.0
        later_nodes = np.setdiff1d(np.arange(N), start_nodes)
        return cls(tuple(scale), tuple(power), tuple(family), tuple(any_shaped), tuple(any_lognormal), tuple(never),
                   below, next_at, cp.event_and_state, cp.group_node * stride + cp.start_slot * C,
                   bool(has_choice[start_nodes, cp.start_slot].any()),
                   K + bool(has_choice[later_nodes].any()))


def _simulate_chunk(cp: CompiledPathway, tables: _Tables, groups: np.ndarray, lo: int, streams: _StepStreams,
                    latent: dict | None) -> tuple[np.ndarray, list]:
    """Simulate the patients ``lo .. lo+len(groups)-1`` (of population ``groups``) to their end.

    Returns each patient's number of transitions and, per step, the rows
    ``(local patient indices, time, event and state entered as int32)`` for ``_LogBuilder.add``.
    """
    K, C, D = cp.n_slots, cp.n_combinations, cp.detected_slots
    interval = cp.interval
    n = len(groups)
    act = np.arange(n, dtype=np.intp)                 # local indices of patients still moving
    at = None                                         # their node * K * C
    now = np.zeros(n)
    length = np.zeros(n, np.int64)                    # transitions per patient
    record = []
    step = 0
    while len(act):
        if step > MAX_STEPS:
            raise PathwayError(Problem("<cohort>", None, "", f"patients still moving after {MAX_STEPS:,} "
                                                            "transitions: the pathway loops without end"))
        m = len(act)
        if step == 0:
            index = tables.start_at[groups]           # start fires at t = 0
            x = streams.draw(step, act, lo, 1)[:, 0] if tables.choose_at_start else None
        else:
            e = streams.draw(step, act, lo, tables.width)
            x = e[:, K] if tables.width > K else None
            wait = best = None
            for k in range(K):
                tk = tables.scale[k][at]
                np.multiply(tk, e[:, k], out=tk)
                if tables.never[k] is not None:
                    tk[tables.never[k][at]] = np.inf
                if tables.any_shaped[k]:
                    odd = np.flatnonzero(tk < 0)
                    if len(odd):
                        where = at[odd]
                        tk[odd] = _shaped_times(e[odd, k], tables.family[k][where], -tables.scale[k][where],
                                                tables.power[k][where], tables.any_lognormal[k])
                if latent is not None:
                    _keep_latent(latent, cp, at // (K * C), k, tk * interval if k < D else tk)
                if k < D:   # seen at the next imaging visit, visits counted from the start of the therapy
                    np.ceil(tk, out=tk)
                    np.maximum(tk, 1.0, out=tk)
                    np.multiply(tk, interval, out=tk)
                if wait is None:
                    wait = tk
                else:
                    later = tk < wait
                    np.minimum(wait, tk, out=wait)
                    best = later * (k * C) if best is None else np.where(later, k * C, best)
            now = now + wait
            index = at if best is None else at + best
        if x is not None:
            # u = exp(-x) is uniform on (0, 1]; the combination is the number of cumulative
            # probabilities it exceeds, and u > cum exactly when x < -log(cum).
            exceeded = [x < tables.below[index + c if c else index] for c in range(C - 1)]
            index = index + exceeded[0]
            for more in exceeded[1:]:
                index += more
        nxt = tables.next_at[index]
        record.append((act, now, tables.event_and_state[index]))
        going = np.flatnonzero(nxt >= 0)
        if len(going) < m:
            length[act] = step + 1
            act, at, now = act[going], nxt[going], now[going]
        else:
            at = nxt
        step += 1
    return length, record


def _shaped_times(e, family, scale, power, any_lognormal: bool) -> np.ndarray:
    """Weibull (scale * e ** (1/k)) and log-normal (median * exp(sigma * z(e))) times."""
    lognormal = np.flatnonzero(family == LOGNORMAL) if any_lognormal else ()
    if len(lognormal) == len(e):
        return scale * np.exp(power * normal_from_exponential(e))
    t = scale * e ** power
    if len(lognormal):
        t[lognormal] = scale[lognormal] * np.exp(power[lognormal] * normal_from_exponential(e[lognormal]))
    return t


def _keep_latent(latent: dict, cp: CompiledPathway, node: np.ndarray, k: int, tk: np.ndarray) -> None:
    variant = cp.node_variant[node]
    for v in np.unique(variant):
        first = int(np.flatnonzero(cp.node_variant == v)[0])
        if cp.slot_family[first, k] not in (NEVER, AT_ONCE):
            state, previous = cp.variants[v]
            latent.setdefault((state, cp.slot_name(first, k), previous), []).append(tk[variant == v].copy())


class _LogBuilder:
    """The cohort's event log, written chunk by chunk straight into preallocated columns.

    Capacity is estimated from the first chunk's rows per patient and grown if a later chunk
    needs more, so the log is written once, in patient order, with no final concatenation.
    """

    def __init__(self, cp: CompiledPathway, n: int):
        self.cp, self.n, self.rows, self.capacity, self.done = cp, n, 0, 0, 0
        self.columns: list[np.ndarray] = []
        self.packed = np.empty(0, np.int32)        # one chunk's (event, state) pairs, reused

    def _reserve(self, needed: int, done: int, chunk_rows: int) -> None:
        if needed <= self.capacity:
            return
        # Rows per patient so far, for the patients still to come, plus 2% and one chunk's slack.
        estimate = needed + int((self.n - done) * (self.rows + chunk_rows) / max(done, 1) * 1.02) + 1024
        capacity = max(estimate, int(self.capacity * 1.25))
        dtypes = (np.int64, np.float64, np.int16, np.int16, np.int16)
        grown = [np.empty(capacity, dtype) for dtype in dtypes]
        for new, old in zip(grown, self.columns):
            new[:self.rows] = old[:self.rows]
        self.columns, self.capacity = grown, capacity

    def add(self, lo: int, length: np.ndarray, record: list) -> None:
        """Scatter a chunk's per-step rows into patient order (each patient's rows in step order)."""
        total = int(length.sum())
        self.done += len(length)
        self._reserve(self.rows + total, self.done, total)
        r0, r1 = self.rows, self.rows + total
        patient, t, event, from_state, to_state = (c[r0:r1] for c in self.columns)
        if len(self.packed) < total:
            self.packed = np.empty(total, np.int32)
        packed_rows = self.packed[:total]
        first = np.cumsum(length) - length
        for step, (act, now, packed) in enumerate(record):
            rows = first[act]
            rows += step
            t[rows] = now
            packed_rows[rows] = packed
        halves = packed_rows.view(np.int16).reshape(-1, 2)
        event[:] = halves[:, 0]
        to_state[:] = halves[:, 1]
        # Patient numbers: 1 at each patient's first row, summed up.
        patient[:] = 0
        patient[first[1:]] = 1
        np.cumsum(patient, out=patient)
        patient += lo
        from_state[1:] = to_state[:-1]
        from_state[first] = self.cp.initial_state
        self.rows = r1

    def log(self) -> EventLog:
        """The finished log (views of the columns, trimmed to the rows written)."""
        return EventLog(*(c[:self.rows] for c in self.columns), self.cp.event_names, self.cp.state_ids)


def simulate_vectorized(pathway: Pathway, params: Params, n: int, seed: int, chunk_size: int = 100_000,
                        progress: Callable[[int, int], None] | None = None,
                        record: dict | None = None) -> CohortResult:
    """Simulate ``n`` patients in chunks of ``chunk_size`` with arrays (see the module docstring).

    ``progress(done, total)`` is called after each chunk. If ``record`` is a dict it receives
    ``variates`` ({"exponential": count, "uniform": count} drawn, the population's included) and
    ``latent`` ({(state, event, entered_from or None): times drawn before imaging detection and
    competition}).
    """
    pathway = with_competing_exits(pathway)   # the cohort view: death and decline fire like any event
    seed = check_seed(seed)
    n = check_cohort_size(n)
    cp = compile_pathway(pathway, params)
    builder = _LogBuilder(cp, n)
    groups = np.empty(n, np.int16)
    for lo, chunk_groups, length, rows in _chunks(pathway, params, cp, n, seed, chunk_size, progress, record):
        groups[lo:lo + len(chunk_groups)] = chunk_groups
        builder.add(lo, length, rows)
    index = groups.astype(np.intp)
    return CohortResult(pathway.id, n, seed, "vectorized", builder.log(), _facts(pathway, params, index),
                        params.origin)


def vectorized_chunks(pathway: Pathway, params: Params, n: int, seed: int, chunk_size: int = 100_000,
                      progress: Callable[[int, int], None] | None = None) -> Iterator[CohortResult]:
    """The same cohort as ``simulate_vectorized`` (same seed, same patients), one ``CohortResult`` per
    chunk of ``chunk_size`` patients (patient numbers global), so a caller can summarise and write
    any cohort size in one chunk's memory."""
    pathway = with_competing_exits(pathway)
    seed = check_seed(seed)
    n = check_cohort_size(n)
    cp = compile_pathway(pathway, params)
    for lo, chunk_groups, length, rows in _chunks(pathway, params, cp, n, seed, chunk_size, progress, None):
        builder = _LogBuilder(cp, len(chunk_groups))
        builder.add(lo, length, rows)
        del rows
        yield CohortResult(pathway.id, len(chunk_groups), seed, "vectorized", builder.log(),
                           _facts(pathway, params, chunk_groups.astype(np.intp)), params.origin)


def vectorized_steps(pathway: Pathway, params: Params, n: int, seed: int, chunk_size: int = 100_000,
                     compiled: CompiledPathway | None = None,
                     ) -> Iterator[tuple[int, int, int, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]]:
    """The same cohort as ``simulate_vectorized`` (same seed, same patients), as the engine's steps,
    for callers that fold every transition into per-patient totals without building an event log
    (``sarcoma_sim.economics.accounting``).

    Per chunk: (first patient, chunk size, initial state code, steps); step k lists the patients
    (local indices) making their k-th transition, its time, the event code and the state entered
    (codes index ``pathway.events`` and the states of the cohort view, as in ``EventLog``).
    ``compiled``: ``compile_pathway(pathway, params)`` made beforehand (a caller running many cohorts).
    """
    pathway = with_competing_exits(pathway)
    seed = check_seed(seed)
    n = check_cohort_size(n)
    cp = compile_pathway(pathway, params) if compiled is None else compiled
    for lo, chunk_groups, _length, rows in _chunks(pathway, params, cp, n, seed, chunk_size, None, None):
        steps = []
        for act, now, packed in rows:
            halves = packed.view(np.int16).reshape(-1, 2)
            steps.append((act, now, halves[:, 0], halves[:, 1]))
        yield lo, len(chunk_groups), cp.initial_state, steps


def _chunks(pathway, params, cp, n, seed, chunk_size, progress, record):
    """Per chunk: (first patient, population groups, transitions per patient, per-step rows)."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    streams = _StepStreams(seed)
    latent: dict | None = {} if record is not None else None
    tables = _Tables.of(cp)
    for lo in range(0, n, chunk_size):
        hi = min(n, lo + chunk_size)
        chunk_groups = sample_groups(params, hi - lo, seed, start=lo)
        length, rows = _simulate_chunk(cp, tables, chunk_groups, lo, streams, latent)
        yield lo, chunk_groups, length, rows
        streams.finish_blocks_before(hi)
        if progress is not None:
            progress(hi, n)
    if record is not None:
        record["variates"] = {"exponential": streams.drawn, "uniform": BLOCK * len(blocks(0, n))}
        record["latent"] = {key: np.concatenate(parts) for key, parts in latent.items()}


def _facts(pathway: Pathway, params: Params, index: np.ndarray) -> dict[str, np.ndarray]:
    names = [a.name for a in pathway.attributes.values() if a.of == "patient"]
    return {name: np.array([g.facts[name] for g in params.population]).take(index) for name in names}
