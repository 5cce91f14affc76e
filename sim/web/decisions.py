"""Decision points: where in a case a decision was asked, and the row each answer stores for the teacher.

A decision point is the state the patient was in, the event and its attributes (limited or
widespread progression are different points; the ``option`` attribute, which only names one of
several right answers, is not part of it), so answers of different residents, seeds and attempt
lengths at the same point are counted together. Each answer stores its point, the option chosen,
the verdict, the alert codes and every option offered with whether it was one of the guideline's
(several are at some decisions); the teacher's per-decision pages aggregate these rows.
"""

from __future__ import annotations

import logging
import re

from sarcoma_sim.patient.timeline import OPTION_ATTRIBUTE
from sarcoma_sim.patient.transcript import verdict_word
from sarcoma_sim.web.cases import pathway_for, replay
from sarcoma_sim.web.store import DecisionRecord

POINT_ID = re.compile(r"[A-Za-z0-9_.-]{1,200}")


def point_of(decision, feedback) -> tuple[str, str]:
    """(point id, label) of the decision: the state it was asked in, the event and its attributes."""
    step = feedback.step
    attributes = sorted((k, v) for k, v in decision.attributes.items() if k != OPTION_ATTRIBUTE)
    point = ".".join([step.source.id, decision.event, *(f"{k}-{v}" for k, v in attributes)])
    details = ", ".join(f"{k} {v}" for k, v in attributes)
    label = f"On {step.source.label}: {decision.event}" + (f" ({details})" if details else "")
    return re.sub(r"[^A-Za-z0-9_.-]", "_", point)[:200], label


def decision_record(decision, feedback) -> DecisionRecord:
    """The row stored with an answer: point, chosen option, verdict, alerts and the options offered."""
    point, label = point_of(decision, feedback)
    chosen = feedback.option.text if feedback.option else ""
    offered = tuple((o.text, o.text == chosen, bool(o.right)) for o in decision.options)
    return DecisionRecord(decision.number, point, label, decision.event, chosen, verdict_word(feedback),
                          " ".join(a.code for a in feedback.step.alerts), offered)


def backfill(store) -> int:
    """Store the decision rows of attempts answered before they were kept (an older database); returns how many."""
    done = 0
    for attempt in store.attempts_without_decisions():
        try:
            state = replay(pathway_for(store, attempt.pathway_key, attempt.pathway_version), attempt.seed,
                           attempt.answers)
        except Exception:  # a pathway that no longer loads: its attempt keeps no decision rows, the rest go on
            logging.getLogger("sarcoma_sim.web").exception("cannot replay attempt %s", attempt.id)
            continue
        store.record_decisions(attempt.id, [decision_record(d, f) for d, f in state.history])
        done += 1
    return done
