"""What a teacher downloads: every attempt and every decision, as rows for CSV or JSON.

Unfinished attempts are included with ``status`` ``unfinished``; times are ISO 8601 in UTC. The
per-decision rows come from replaying each stored attempt (seed and answers), so they hold the
option as the resident read it, the verdict and the alert codes that decision raised.
"""

from __future__ import annotations

import datetime

from sarcoma_sim.patient.transcript import verdict_word
from sarcoma_sim.web.cases import pathway_for, replay

ATTEMPT_COLUMNS = ["attempt", "resident", "class", "case", "seed", "status", "started", "finished", "right", "asked",
                   "alerts"]
DECISION_COLUMNS = ["attempt", "resident", "class", "case", "seed", "status", "decision", "event", "option",
                    "option_text", "guideline_options", "verdict", "alerts"]


def iso(epoch: float | None) -> str:
    """``epoch`` seconds as an ISO 8601 UTC time to the second ('' for None)."""
    if epoch is None:
        return ""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat(timespec="seconds")


def attempt_rows(store, class_id: str | None = None, resident_id: str | None = None,
                 attempt_id: str | None = None) -> list[dict]:
    """One row per attempt (finished or not)."""
    return [{"attempt": a["attempt"], "resident": a["resident"] or "", "class": a["class"] or "", "case": a["case"],
             "seed": a["seed"], "status": "finished" if a["finished"] is not None else "unfinished",
             "started": iso(a["started"]), "finished": iso(a["finished"]),
             "right": "" if a["right"] is None else a["right"], "asked": "" if a["asked"] is None else a["asked"],
             "alerts": a["alerts"]} for a in store.export_attempts(class_id, resident_id, attempt_id)]


def decision_rows(store, class_id: str | None = None, resident_id: str | None = None,
                  attempt_id: str | None = None) -> list[dict]:
    """One row per answered decision of every attempt (finished or not)."""
    rows = []
    for a in store.export_attempts(class_id, resident_id, attempt_id):
        state = replay(pathway_for(store, a["pathway_key"], a["pathway_version"]), a["seed"], a["answers"])
        status = "finished" if a["finished"] is not None else "unfinished"
        for decision, feedback in state.history:
            index = decision.options.index(feedback.option) + 1 if feedback.option in decision.options else ""
            rows.append({"attempt": a["attempt"], "resident": a["resident"] or "", "class": a["class"] or "",
                         "case": a["case"], "seed": a["seed"], "status": status, "decision": decision.number,
                         "event": decision.event, "option": index,
                         "option_text": feedback.option.text if feedback.option else "",
                         "guideline_options": " | ".join(feedback.guideline_options),
                         "verdict": verdict_word(feedback),
                         "alerts": " ".join(x.code for x in feedback.step.alerts)})
    return rows
