"""Cases as the web app plays them: a pathway by key, and a case replayed from its seed and answers.

The server keeps no case in memory between requests: an attempt is (pathway, seed, answers),
and ``replay`` rebuilds the ``TeachingCase`` from them, which the seed makes exact. The shared
``transitions`` machine of a pathway is not meant for concurrent use, so replays run one at a time
(they take milliseconds).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from sarcoma_sim.errors import UnknownSubtypeError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.patient.case import Debrief, Decision, Feedback, TeachingCase, draw_untested, sample_patient
from sarcoma_sim.patient.record import comedication_words
from sarcoma_sim.patient.timeline import RunResult
from sarcoma_sim.web.store import text_hash

CASE_LOCK = threading.RLock()
REPLAY_CACHE_SIZE = 512
_PARSED: dict[tuple[str, str], Pathway] = {}
_REPLAYED: OrderedDict = OrderedDict()


def diagram_source(store, key: str, version: str | None = None) -> tuple:
    """What a diagram worker needs to rebuild the pathway of ``key`` (it cannot share our objects)."""
    if key in SUBTYPE_IDS:
        return ("subtype", key)
    file_name, text = store.pathway_text(key, version)
    return ("text", file_name, text)


def pathway_for(store, key: str, version: str | None = None) -> Pathway:
    """The pathway a case key names: a shipped subtype id, or a teacher-loaded file (``file-...``).

    ``version`` (the hash of a loaded file's text) picks the version an attempt was played on; None
    is the case's current version.
    """
    if key in SUBTYPE_IDS:
        return load_subtype(key)
    with CASE_LOCK:
        if version is not None and (key, version) in _PARSED:
            return _PARSED[(key, version)]
        found = store.pathway_text(key, version) if key.startswith("file-") else None
        if found is None:
            raise UnknownSubtypeError(f"unknown case {key!r}; expected a subtype id or a loaded pathway")
        file_name, text = found
        cache_key = (key, version or text_hash(text))
        if cache_key not in _PARSED:
            _PARSED[cache_key] = parse_pathway(text, file_name)
        return _PARSED[cache_key]


@dataclass(frozen=True)
class CaseState:
    """Everything a page shows of a case after its answers so far."""

    pathway: Pathway
    seed: int
    patient_markers: tuple[tuple[str, str], ...]
    comedications: tuple[str, ...]
    history: tuple[tuple[Decision, Feedback], ...]
    pending: Decision | None
    debrief: Debrief
    result: RunResult
    text_of: dict

    @property
    def finished(self) -> bool:
        """Whether the case is over (no decision pending)."""
        return self.pending is None


def replay(pathway: Pathway, seed: int, answers) -> CaseState:
    """The case of ``pathway`` with ``seed`` after ``answers`` ((decision number, option index) pairs).

    Recent states are kept (a case state never changes once computed), so the page shown after an
    answer reuses the state the answer computed.
    """
    key = (id(pathway), seed, tuple(tuple(a) for a in answers))
    with CASE_LOCK:
        found = _REPLAYED.get(key)
        if found is not None and found.pathway is pathway:
            _REPLAYED.move_to_end(key)
            return found
        state = _replay(pathway, seed, answers)
        _REPLAYED[key] = state
        while len(_REPLAYED) > REPLAY_CACHE_SIZE:
            _REPLAYED.popitem(last=False)
        return state


def _replay(pathway: Pathway, seed: int, answers) -> CaseState:

    with CASE_LOCK:
        rng = np.random.default_rng(seed)
        patient = sample_patient(pathway, rng)
        untested = draw_untested(pathway, np.random.default_rng([seed, 1]))
        with TeachingCase(pathway, patient, rng, untested=untested) as case:
            for number, index in answers:
                decision = case.next_decision()
                if decision is None or decision.number != number or not 0 <= index < len(decision.options):
                    break
                case.answer(decision, index)
            # The card is the case's record now: test results ordered, a co-medication replaced.
            card = tuple(case.card())
            meds = tuple(comedication_words(case.patient))
            pending = case.next_decision()
            texts = {s.id: case.text_of(s) for s in pathway.states.values()}
            return CaseState(pathway, seed, card, meds, tuple(case.history), pending, case.debrief(),
                             case.timeline.result(), texts)
