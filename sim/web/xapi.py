"""xAPI 1.0.3 statements for a learning record store (LRS), and the thread that sends them.

Each attempt gives ``initialized``, one ``answered`` per decision (the choice, the guideline's
options as the correct responses, success, the alert codes as an extension) and ``completed``
(score raw/min/max/scaled, success, duration), with an account-based actor (the resident's random
id on this server: never an email, never the display name) and the attempt as the registration.
A statement's id is a UUID 5 of the attempt and the event, so a retry or a second send never
makes a second statement. Statements are checked against ``STATEMENT_SCHEMA`` (the parts of the
xAPI 1.0.3 statement structure this app uses) before they are queued: no maintained Python xAPI
library fits (``tincan``, the reference one, has had no release since 2016).

Statements are written to the store's outbox in the same transaction as the answer that caused
them; ``Sender`` (a daemon thread) POSTs them to the LRS with exponential backoff, so a slow or
down LRS never delays a page.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid

import jsonschema

NAMESPACE = uuid.UUID("5f0c6a1e-9b1e-4c1b-8a7e-2d3b6c1a0e20")
VERBS = {"initialized": "http://adlnet.gov/expapi/verbs/initialized",
         "answered": "http://adlnet.gov/expapi/verbs/answered",
         "completed": "http://adlnet.gov/expapi/verbs/completed"}
ALERTS_EXTENSION = "https://sarcoma-sim.invalid/xapi/extensions/alert-codes"
ACTIVITY_BASE = "https://sarcoma-sim.invalid/xapi/activities"
MAX_BACKOFF = 300.0

_IRI = {"type": "string", "pattern": r"^[a-z][a-z0-9+.-]*:"}
STATEMENT_SCHEMA = {
    "type": "object",
    "required": ["id", "actor", "verb", "object", "timestamp", "context"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"},
        "actor": {"type": "object", "required": ["objectType", "account"], "additionalProperties": False,
                  "properties": {"objectType": {"const": "Agent"},
                                 "account": {"type": "object", "required": ["homePage", "name"],
                                             "additionalProperties": False,
                                             "properties": {"homePage": _IRI,
                                                            "name": {"type": "string", "minLength": 1,
                                                                     "not": {"pattern": "@"}}}}}},
        "verb": {"type": "object", "required": ["id", "display"], "additionalProperties": False,
                 "properties": {"id": {"enum": list(VERBS.values())},
                                "display": {"type": "object", "required": ["en-US"]}}},
        "object": {"type": "object", "required": ["objectType", "id", "definition"], "additionalProperties": False,
                   "properties": {"objectType": {"const": "Activity"}, "id": _IRI,
                                  "definition": {"type": "object", "required": ["name", "type"],
                                                 "properties": {"type": _IRI, "interactionType": {"const": "choice"},
                                                                "correctResponsesPattern": {
                                                                    "type": "array", "items": {"type": "string"}},
                                                                "choices": {"type": "array"}}}}},
        "result": {"type": "object", "additionalProperties": False,
                   "properties": {"response": {"type": "string"}, "success": {"type": "boolean"},
                                  "completion": {"type": "boolean"},
                                  "duration": {"type": "string", "pattern": r"^PT\d+(\.\d+)?S$"},
                                  "score": {"type": "object", "required": ["raw", "min", "max", "scaled"],
                                            "properties": {"scaled": {"type": "number", "minimum": -1,
                                                                      "maximum": 1}}},
                                  "extensions": {"type": "object"}}},
        "context": {"type": "object", "required": ["registration"],
                    "properties": {"registration": {"type": "string", "format": "uuid"},
                                   "contextActivities": {"type": "object"}}},
        "timestamp": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$"},
    },
}


def statement_id(attempt_id: str, event: str) -> str:
    """The statement's id: the same attempt and event always give the same id."""
    return str(uuid.uuid5(NAMESPACE, f"{attempt_id}/{event}"))


def registration(attempt_id: str) -> str:
    """The attempt as an xAPI registration (a UUID)."""
    return str(uuid.uuid5(NAMESPACE, f"registration/{attempt_id}"))


def _timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def _base(attempt_id: str, event: str, verb: str, actor: str, home: str, activity: dict, epoch: float) -> dict:
    case_iri = activity.pop("case")
    return {"id": statement_id(attempt_id, event),
            "actor": {"objectType": "Agent", "account": {"homePage": home, "name": actor}},
            "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
            "object": {"objectType": "Activity", **activity}, "timestamp": _timestamp(epoch),
            "context": {"registration": registration(attempt_id),
                        "contextActivities": {"parent": [{"objectType": "Activity", "id": case_iri}]}}}


def _case_activity(pathway_key: str, case_name: str) -> dict:
    iri = f"{ACTIVITY_BASE}/case/{pathway_key}"
    return {"id": iri, "case": iri, "definition": {"name": {"en-US": case_name},
                                                 "type": "http://adlnet.gov/expapi/activities/simulation"}}


def initialized(attempt_id: str, actor: str, home: str, pathway_key: str, case_name: str, epoch: float) -> dict:
    """The attempt began."""
    return _base(attempt_id, "initialized", "initialized", actor, home, _case_activity(pathway_key, case_name), epoch)


def answered(attempt_id: str, actor: str, home: str, pathway_key: str, decision, feedback, epoch: float) -> dict:
    """One decision: the option chosen, the guideline's options as correct responses, success, alert codes."""
    iri = f"{ACTIVITY_BASE}/case/{pathway_key}"
    ids = {o.text: f"option-{n}" for n, o in enumerate(decision.options, 1)}
    chosen = ids.get(feedback.option.text, "none") if feedback.option else "none"
    activity = {"id": f"{iri}/decision/{decision.number}", "case": iri,
                "definition": {"name": {"en-US": f"Decision {decision.number}: {decision.event}"},
                               "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                               "interactionType": "choice",
                               "correctResponsesPattern": [ids[t] for t in feedback.guideline_options if t in ids],
                               "choices": [{"id": ids[o.text], "description": {"en-US": o.text}}
                                           for o in decision.options]}}
    statement = _base(attempt_id, f"answered/{decision.number}", "answered", actor, home, activity, epoch)
    statement["result"] = {"response": chosen, "success": bool(feedback.right),
                           "extensions": {ALERTS_EXTENSION: [a.code for a in feedback.step.alerts]}}
    return statement


def completed(attempt_id: str, actor: str, home: str, pathway_key: str, case_name: str, right: int, asked: int,
              started: float, epoch: float) -> dict:
    """The attempt ended: score (decisions on the guideline of those asked), success (all of them), duration."""
    statement = _base(attempt_id, "completed", "completed", actor, home, _case_activity(pathway_key, case_name), epoch)
    statement["result"] = {"score": {"raw": right, "min": 0, "max": asked, "scaled": right / asked if asked else 0.0},
                           "success": asked > 0 and right == asked, "completion": True,
                           "duration": f"PT{max(0.0, epoch - started):.2f}S"}
    return statement


def check(statement: dict) -> dict:
    """``statement`` if it fits the xAPI structure this app sends; raises ``jsonschema.ValidationError``."""
    jsonschema.validate(statement, STATEMENT_SCHEMA, format_checker=jsonschema.FormatChecker())
    return statement


class Sender:
    """A daemon thread POSTing queued statements to the LRS, retrying with exponential backoff."""

    def __init__(self, store, url: str, user: str, password: str, interval: float = 1.0, timeout: float = 5.0):
        self.store, self.endpoint = store, url.rstrip("/") + "/statements"
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.interval, self.timeout = interval, timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xapi-sender", daemon=True)

    def start(self) -> Sender:
        """Start sending."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the statement being sent."""
        self._stop.set()
        self._thread.join(timeout=self.timeout + 1)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.send_due()
            except Exception:  # the sender must outlive any one failure; it is logged and retried
                logging.getLogger("sarcoma_sim.web.xapi").exception("xAPI sender")
            self._stop.wait(self.interval)

    def send_due(self) -> int:
        """Send every statement due now; returns how many the LRS accepted.

        A refusal for good (a 4xx other than 408 and 429, which ask to retry, and 409, "already held")
        marks the statement dead with the LRS's reason: it is not retried until the teacher asks.
        """
        sent = 0
        for statement_id_, body, tries in self.store.outbox_due(time.time()):
            status, reason = self._put(statement_id_, body)
            if status in (200, 204, 409):  # 409: the LRS already holds a statement with this id
                self.store.outbox_sent(statement_id_)
                sent += 1
            elif status is not None and refused_for_good(status):
                self.store.outbox_dead(statement_id_, status, reason)
                logging.getLogger("sarcoma_sim.web.xapi").warning("LRS refused statement %s: %s %s",
                                                                  statement_id_, status, reason)
            else:
                self.store.outbox_retry(statement_id_, time.time() + min(MAX_BACKOFF, 2.0 ** tries), status)
                if status is None:
                    break  # the LRS is unreachable: try the rest later
        return sent

    def _put(self, statement_id_: str, body: str) -> tuple[int | None, str]:
        # POST one statement (its id inside): LRSs answer a known id with 200/204 (same statement) or 409;
        # PUT is not used because ralph's file-system backend refuses a second PUT to its data file.
        request = urllib.request.Request(self.endpoint, data=body.encode(),
                                         method="POST", headers={"Content-Type": "application/json",
                                                                "Authorization": self.auth,
                                                                "X-Experience-API-Version": "1.0.3"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, ""
        except urllib.error.HTTPError as error:
            try:
                text = error.read(MAX_REASON * 4).decode("utf-8", "replace")
            except OSError:
                text = ""
            return error.code, reason_text(text, str(error.reason or ""))
        except (OSError, ValueError):
            return None, ""


MAX_REASON = 300


def refused_for_good(status: int) -> bool:
    """Whether an LRS answer means "never": a client error other than 408 (timeout), 409 (held) and 429 (slow down)."""
    return 400 <= status < 500 and status not in (408, 409, 429)


def reason_text(body: str, fallback: str) -> str:
    """The LRS's reason as one line of at most ``MAX_REASON`` characters (its JSON ``detail``/``message`` if any)."""
    try:
        found = json.loads(body)
    except ValueError:
        found = None
    if isinstance(found, dict):
        for key in ("detail", "message", "error"):
            if key in found:
                body = found[key] if isinstance(found[key], str) else json.dumps(found[key], ensure_ascii=False)
                break
    text = " ".join("".join(c if c.isprintable() else " " for c in body).split()) or fallback
    return text[:MAX_REASON]


def dumps(statement: dict) -> str:
    """The statement as the JSON sent."""
    return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))
