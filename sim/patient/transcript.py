"""A teaching case as one JSON document: for scripts (``teach --format json``) and the web debrief download.

The shape is documented in ``docs/teach-transcript.md``; ``TRANSCRIPT_KEYS`` and ``DECISION_KEYS``
list its fields, which a test checks against the document.
"""

from __future__ import annotations

from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

TRANSCRIPT_KEYS = ("subtype", "pathway", "seed", "notice", "decisions", "stopped", "hidden_results", "taken_path",
                   "guideline_path", "score")
DECISION_KEYS = ("number", "month", "event", "attributes", "card", "comedications", "situation", "options",
                 "answer", "answer_text", "verdict", "guideline_options", "reason", "depended_on", "revealed",
                 "alerts", "sources")


def verdict_word(feedback) -> str:
    """``right``, ``not_quite`` or ``wrong``, as the feedback's first line says."""
    if feedback.right:
        return "right"
    return "not_quite" if feedback.lines[0].startswith("Not quite") else "wrong"


def decision_dict(decision, feedback, hidden: dict) -> dict:
    """One decision as the resident saw it, with the answer, its verdict and the results it revealed."""
    index = decision.options.index(feedback.option) if feedback.option in decision.options else None
    values = dict(decision.card)
    return {"number": decision.number, "month": decision.at, "event": decision.event,
            "attributes": dict(decision.attributes), "card": values, "comedications": list(decision.comedications),
            "situation": decision.situation, "options": [o.text for o in decision.options],
            "answer": None if index is None else index + 1,
            "answer_text": feedback.option.text if feedback.option else None,
            "verdict": verdict_word(feedback), "guideline_options": list(feedback.guideline_options),
            "reason": feedback.reason, "depended_on": list(feedback.depended_on),
            "revealed": {name: hidden.get(name) for name in feedback.revealed},
            "alerts": [a.to_dict() for a in feedback.step.alerts if a.code != "OFF_GUIDELINE_CHOICE"],
            "sources": list(feedback.sources)}


def transcript(pathway, seed: int, debrief, stopped: str) -> dict:
    """The whole case: every decision, why it stopped, the hidden results, both paths, the score."""
    def path(ids) -> list[dict]:
        return [{"id": s, "label": pathway.states[s].label} for s in ids]

    return {"subtype": pathway.id, "pathway": pathway.name, "seed": seed, "notice": NOT_FOR_CLINICAL_USE,
            "decisions": [decision_dict(d, f, dict(debrief.hidden)) for d, f in debrief.decisions], "stopped": stopped,
            "hidden_results": dict(debrief.hidden), "taken_path": path(debrief.taken_path),
            "guideline_path": path(debrief.guideline_path),
            "score": {"right": debrief.right, "asked": debrief.asked}}
