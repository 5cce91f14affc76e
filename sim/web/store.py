"""Stored attempts and teacher-loaded pathways in one SQLite file (stdlib ``sqlite3``).

An attempt is what is needed to replay a case exactly: the pathway key, the seed and the
resident's answers. When a case ends, its score and every alert code it raised are stored with
it, which is what the teacher view counts. One short-lived connection per call keeps the store
safe to use from the server's worker threads (each thread keeps its own connection); WAL mode lets
readers and one writer overlap, and a write is committed before the page that reports it is sent.

An answer is read and written in one ``BEGIN IMMEDIATE`` transaction (SQLite's write lock is taken
before the read), so of several answers posted at once to one decision exactly one is stored; the
case's last answer and its finish (score, alerts) are that same transaction, so they are stored
together or not at all. A write the disk refuses (full, read-only) raises ``StoreUnwritable``,
which the app shows as a page saying so.

Each answer also stores its decision row (the decision point, the option chosen, the verdict, the
alerts) and the options offered, in the same transaction: the teacher's per-decision pages are SQL
aggregates over them, without replaying every attempt. A loaded pathway is a case (``pathways``)
with its versions (``pathway_versions``, keyed by the SHA-256 of the text); an attempt keeps the
version it was played on. Schema version 3 (this one) migrates a version 1 or 2 file in place.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

SCHEMA_VERSION = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    pathway_key TEXT NOT NULL,
    case_name TEXT NOT NULL,
    seed INTEGER NOT NULL,
    answers TEXT NOT NULL DEFAULT '[]',
    started REAL NOT NULL,
    finished REAL,
    right INTEGER,
    asked INTEGER
);
CREATE TABLE IF NOT EXISTS attempt_alerts (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    decision INTEGER NOT NULL,
    code TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempt_alerts_code ON attempt_alerts(code);
CREATE TABLE IF NOT EXISTS pathways (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    text TEXT NOT NULL,
    loaded REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS classes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS residents (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes(id),
    name TEXT NOT NULL,
    session_hash TEXT NOT NULL UNIQUE,
    joined REAL NOT NULL,
    UNIQUE (class_id, name)
);
CREATE TABLE IF NOT EXISTS assignments (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes(id),
    pathway_key TEXT NOT NULL,
    case_name TEXT NOT NULL,
    seed INTEGER,
    hide_map INTEGER NOT NULL DEFAULT 0,
    due TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    queued REAL NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    last_status INTEGER,
    sent REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(sent, next_try);
CREATE TABLE IF NOT EXISTS pathway_versions (
    key TEXT NOT NULL,
    number INTEGER NOT NULL,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    text TEXT NOT NULL,
    loaded REAL NOT NULL,
    PRIMARY KEY (key, number)
);
CREATE INDEX IF NOT EXISTS pathway_versions_hash ON pathway_versions(hash);
CREATE TABLE IF NOT EXISTS decisions (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    decision INTEGER NOT NULL,
    pathway_key TEXT NOT NULL,
    class_id TEXT,
    point TEXT NOT NULL,
    point_label TEXT NOT NULL,
    event TEXT NOT NULL DEFAULT '',
    option_text TEXT NOT NULL,
    verdict TEXT NOT NULL,
    alerts TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (attempt_id, decision)
);
CREATE INDEX IF NOT EXISTS decisions_point ON decisions(pathway_key, point, option_text);
CREATE INDEX IF NOT EXISTS decisions_case ON decisions(pathway_key, attempt_id, verdict);
CREATE INDEX IF NOT EXISTS decisions_class_case ON decisions(class_id, pathway_key, attempt_id, verdict);
CREATE TABLE IF NOT EXISTS decision_options (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    decision INTEGER NOT NULL,
    pathway_key TEXT NOT NULL,
    class_id TEXT,
    point TEXT NOT NULL,
    text TEXT NOT NULL,
    chosen INTEGER NOT NULL,
    guideline INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS decision_options_point ON decision_options(pathway_key, point, text, class_id, chosen,
                                                                      guideline);
CREATE INDEX IF NOT EXISTS decision_options_attempt ON decision_options(attempt_id, decision);
"""
# Columns added to tables an older version created (version 1 had attempts without a resident; version 2
# had no pathway versions, no removed pathways and no dead-letter state in the outbox).
ADDED_COLUMNS = (("attempts", "resident_id", "TEXT REFERENCES residents(id)"),
                 ("attempts", "assignment_id", "TEXT REFERENCES assignments(id)"),
                 ("attempts", "hide_map", "INTEGER NOT NULL DEFAULT 0"),
                 ("attempts", "pathway_version", "TEXT"),
                 ("pathways", "hash", "TEXT"),
                 ("pathways", "removed", "REAL"),
                 ("outbox", "dead", "REAL"),
                 ("outbox", "reason", "TEXT"))


def text_hash(text: str) -> str:
    """The version id of a pathway file: the SHA-256 of its text (the same file twice is one version)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DecisionRecord:
    """One answered decision as the teacher's per-decision pages count it (written with the answer)."""

    decision: int
    point: str
    point_label: str
    event: str
    option_text: str
    verdict: str
    alerts: str
    offered: tuple[tuple[str, bool, bool], ...]  # (option text, chosen, a guideline option)


class StoreUnwritable(Exception):
    """The database refused a write: the disk is full (``status`` 507) or the file is read-only (503)."""

    def __init__(self, path: str, error: sqlite3.Error):
        text = str(error)
        full = "full" in text.lower()
        self.status = 507 if full else 503
        self.reason = ("the disk holding the attempts database is full" if full
                       else f"the attempts database cannot be written ({text})")
        super().__init__(f"{path}: {self.reason}")


def _unwritable(error: sqlite3.Error) -> bool:
    """Whether ``error`` says the file or its disk refuses writes (not a bug in a statement)."""
    codes = {getattr(sqlite3, name, None) for name in ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR",
                                                      "SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED")}
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in codes:
        return True
    text = str(error).lower()
    return any(words in text for words in ("readonly", "read-only", "disk is full", "disk i/o", "unable to open",
                                           "database is locked"))


@dataclass(frozen=True)
class Outcome:
    """A finished case's score and the (decision number, alert code) pairs it raised."""

    right: int
    asked: int
    alerts: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Attempt:
    """One resident's play of one case."""

    id: str
    pathway_key: str
    case_name: str
    seed: int
    answers: tuple[tuple[int, int], ...]
    started: float
    finished: float | None
    right: int | None
    asked: int | None
    hide_map: bool = False
    resident_id: str | None = None
    pathway_version: str | None = None


class Store:
    """The app's SQLite file."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        # The server's threads queue for SQLite's write lock here, in turn, rather than in SQLite's busy
        # handler, which sleeps and retries (up to 100 ms a try): under a burst of writes (a class joining
        # at once) some writers then waited seconds while others came and went. Other processes on the
        # same file still wait in the busy handler. Re-entrant: a write may call another.
        self._write_lock = threading.RLock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
        # A real write now, so a read-only file or folder is found at start, not at a resident's first answer;
        # the migration is inside it, so two servers starting on one old file add each column once.
        with self._write() as db:
            for table, column, kind in ADDED_COLUMNS:
                have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            db.execute("CREATE INDEX IF NOT EXISTS attempts_resident ON attempts(resident_id)")
            # Schema 3's indexes on older tables: the teacher's counts read covering indexes (10,000 attempts).
            for statement in ("CREATE INDEX IF NOT EXISTS attempts_pathway_started ON attempts(pathway_key, started)",
                              "CREATE INDEX IF NOT EXISTS attempts_case ON attempts(id, case_name)",
                              "CREATE INDEX IF NOT EXISTS attempt_alerts_code_attempt "
                              "ON attempt_alerts(code, attempt_id)",
                              "CREATE INDEX IF NOT EXISTS attempt_alerts_attempt ON attempt_alerts(attempt_id, code)"):
                db.execute(statement)
            self._migrate_pathways(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @staticmethod
    def _migrate_pathways(db: sqlite3.Connection) -> None:
        """Give each pathway loaded before versions existed its hash and version 1; its attempts that version."""
        for key, name, file_name, text, loaded in db.execute(
                "SELECT key, name, file_name, text, loaded FROM pathways WHERE hash IS NULL").fetchall():
            digest = text_hash(text)
            db.execute("UPDATE pathways SET hash = ? WHERE key = ?", (digest, key))
            db.execute("INSERT OR IGNORE INTO pathway_versions (key, number, hash, name, file_name, text, loaded) "
                       "VALUES (?, 1, ?, ?, ?, ?, ?)", (key, digest, name, file_name, text, loaded))
            db.execute("UPDATE attempts SET pathway_version = ? WHERE pathway_key = ? AND pathway_version IS NULL",
                       (digest, key))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, in a transaction committed on success."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            # WAL with synchronous=NORMAL: a commit survives the app crashing; only a power cut may lose the last ones.
            db.execute("PRAGMA synchronous=NORMAL")
            with self._opened_lock:
                self._opened.append(db)
        with db:
            yield db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection in an immediate transaction: no other writer between its reads and writes."""
        try:
            with self._write_lock, self._connect() as db:
                db.execute("BEGIN IMMEDIATE")
                yield db
        except sqlite3.OperationalError as error:
            if _unwritable(error):
                raise StoreUnwritable(self.path, error) from error
            raise

    def close(self) -> None:
        """Close every thread's connection (the store reopens on next use)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()
        self._local = threading.local()

    def new_attempt(self, pathway_key: str, case_name: str, seed: int, resident_id: str | None = None,
                    assignment_id: str | None = None, hide_map: bool = False, statements=None,
                    pathway_version: str | None = None) -> str:
        """Store a new attempt (a resident's, or anonymous) and return its id (unguessable, URL-safe).

        ``statements(attempt_id, now)``, if given, returns the (id, JSON) learning records queued in the same write.
        ``pathway_version`` is the hash of the loaded pathway's text the attempt is played on (None: shipped).
        """
        attempt_id = secrets.token_urlsafe(12)
        with self._write() as db:
            if statements is not None:
                self._queue(db, statements(attempt_id, time.time()))
            db.execute("INSERT INTO attempts (id, pathway_key, case_name, seed, started, resident_id, assignment_id, "
                       "hide_map, pathway_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (attempt_id, pathway_key, case_name, seed, time.time(), resident_id, assignment_id,
                        int(hide_map), pathway_version))
        return attempt_id

    def attempt(self, attempt_id: str) -> Attempt | None:
        """The attempt with ``attempt_id``, or None."""
        with self._connect() as db:
            row = db.execute("SELECT id, pathway_key, case_name, seed, answers, started, finished, right, asked, "
                             "hide_map, resident_id, pathway_version FROM attempts WHERE id = ?",
                             (attempt_id,)).fetchone()
        if row is None:
            return None
        answers = tuple(tuple(a) for a in json.loads(row[4]))
        return Attempt(row[0], row[1], row[2], row[3], answers, row[5], row[6], row[7], row[8], bool(row[9]), row[10],
                       row[11])

    def add_answer(self, attempt_id: str, expected_count: int, answer: tuple[int, int],
                   outcome: Outcome | None = None, statements=(), record: DecisionRecord | None = None) -> bool:
        """Append ``answer`` if the attempt is open with ``expected_count`` answers (no double submit).

        With ``outcome`` (the answer ends the case) the attempt is finished in the same transaction, and the
        (id, JSON) learning records in ``statements`` are queued in it too, as is the decision ``record``.
        Returns whether the answer was stored.
        """
        with self._write() as db:
            row = db.execute("SELECT answers, finished, pathway_key, resident_id FROM attempts WHERE id = ?",
                             (attempt_id,)).fetchone()
            if row is None or row[1] is not None:
                return False
            answers = json.loads(row[0])
            if len(answers) != expected_count:
                return False
            answers.append(list(answer))
            db.execute("UPDATE attempts SET answers = ? WHERE id = ?", (json.dumps(answers), attempt_id))
            if record is not None:
                self._record(db, attempt_id, row[2], self._class_of(db, row[3]), record)
            if outcome is not None:
                self._finish(db, attempt_id, outcome)
            self._queue(db, statements)
        return True

    @staticmethod
    def _class_of(db: sqlite3.Connection, resident_id: str | None) -> str | None:
        if resident_id is None:
            return None
        row = db.execute("SELECT class_id FROM residents WHERE id = ?", (resident_id,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _record(db: sqlite3.Connection, attempt_id: str, pathway_key: str, class_id: str | None,
                record: DecisionRecord) -> None:
        db.execute("INSERT OR IGNORE INTO decisions (attempt_id, decision, pathway_key, class_id, point, point_label, "
                   "event, option_text, verdict, alerts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (attempt_id, record.decision, pathway_key, class_id, record.point, record.point_label,
                    record.event, record.option_text, record.verdict, record.alerts))
        db.executemany("INSERT INTO decision_options (attempt_id, decision, pathway_key, class_id, point, text, "
                       "chosen, guideline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [(attempt_id, record.decision, pathway_key, class_id, record.point, text, int(chosen),
                         int(guideline)) for text, chosen, guideline in record.offered])

    def record_decisions(self, attempt_id: str, records) -> None:
        """Store the decision rows of an attempt answered before they were kept (the migration's backfill)."""
        with self._write() as db:
            row = db.execute("SELECT pathway_key, resident_id FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None or db.execute("SELECT 1 FROM decisions WHERE attempt_id = ?", (attempt_id,)).fetchone():
                return
            class_id = self._class_of(db, row[1])
            for record in records:
                self._record(db, attempt_id, row[0], class_id, record)

    def attempts_without_decisions(self) -> list[Attempt]:
        """Attempts with answers but no stored decision rows (answered before schema version 3)."""
        with self._connect() as db:
            ids = [r[0] for r in db.execute(
                "SELECT id FROM attempts a WHERE answers != '[]' AND NOT EXISTS "
                "(SELECT 1 FROM decisions d WHERE d.attempt_id = a.id)")]
        return [a for a in (self.attempt(i) for i in ids) if a is not None]

    @staticmethod
    def _queue(db: sqlite3.Connection, statements) -> None:
        now = time.time()
        db.executemany("INSERT OR IGNORE INTO outbox (id, body, queued, next_try) VALUES (?, ?, ?, ?)",
                       [(sid, body, now, now) for sid, body in statements])

    def outbox_due(self, now: float, limit: int = 100) -> list[tuple[str, str, int]]:
        """(id, JSON, tries so far) of unsent learning records due by ``now``, oldest first."""
        with self._connect() as db:
            return db.execute("SELECT id, body, tries FROM outbox WHERE sent IS NULL AND dead IS NULL "
                              "AND next_try <= ? ORDER BY queued, id LIMIT ?", (now, limit)).fetchall()

    def outbox_sent(self, statement_id: str) -> None:
        """Mark a learning record as accepted by the LRS."""
        with self._write() as db:
            db.execute("UPDATE outbox SET sent = ? WHERE id = ?", (time.time(), statement_id))

    def outbox_retry(self, statement_id: str, next_try: float, status: int | None) -> None:
        """Count a failed send and set when to try again."""
        with self._write() as db:
            db.execute("UPDATE outbox SET tries = tries + 1, next_try = ?, last_status = ? WHERE id = ?",
                       (next_try, status, statement_id))

    def outbox_dead(self, statement_id: str, status: int, reason: str) -> None:
        """Mark a learning record the LRS refused for good (a 4xx other than 408/429): never sent again by itself."""
        with self._write() as db:
            db.execute("UPDATE outbox SET tries = tries + 1, dead = ?, last_status = ?, reason = ? WHERE id = ?",
                       (time.time(), status, reason, statement_id))

    def outbox_revive(self) -> int:
        """Queue every refused learning record again, due now (the teacher's retry); returns how many."""
        with self._write() as db:
            return db.execute("UPDATE outbox SET dead = NULL, tries = 0, next_try = ? WHERE dead IS NOT NULL "
                              "AND sent IS NULL", (time.time(),)).rowcount

    def outbox_refusals(self) -> list[dict]:
        """Refused learning records grouped by the LRS's status and reason, most frequent first."""
        with self._connect() as db:
            rows = db.execute("SELECT last_status, COALESCE(reason, ''), COUNT(*) FROM outbox WHERE dead IS NOT NULL "
                              "AND sent IS NULL GROUP BY last_status, reason ORDER BY COUNT(*) DESC, reason").fetchall()
        return [{"status": r[0], "reason": r[1], "count": r[2]} for r in rows]

    def outbox_counts(self) -> dict:
        """How many learning records are queued (to send), sent, and refused for good by the LRS."""
        with self._connect() as db:
            row = db.execute("SELECT COUNT(*) - COUNT(sent) - COUNT(CASE WHEN sent IS NULL THEN dead END), "
                             "COUNT(sent), COUNT(CASE WHEN sent IS NULL THEN dead END) FROM outbox").fetchone()
        return {"queued": row[0], "sent": row[1], "dead": row[2]}

    def finish(self, attempt_id: str, right: int, asked: int, alerts: list[tuple[int, str]]) -> None:
        """Mark the attempt finished with its score and the alert codes it raised (once)."""
        with self._write() as db:
            self._finish(db, attempt_id, Outcome(right, asked, tuple(alerts)))

    @staticmethod
    def _finish(db: sqlite3.Connection, attempt_id: str, outcome: Outcome) -> None:
        done = db.execute("UPDATE attempts SET finished = ?, right = ?, asked = ? WHERE id = ? AND finished IS NULL",
                          (time.time(), outcome.right, outcome.asked, attempt_id))
        if done.rowcount:
            db.executemany("INSERT INTO attempt_alerts (attempt_id, decision, code) VALUES (?, ?, ?)",
                           [(attempt_id, n, code) for n, code in outcome.alerts])

    def by_case(self) -> list[dict]:
        """Per case: attempts started, finished, and the mean share of decisions on the guideline."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT case_name, COUNT(*), COUNT(finished), SUM(right), SUM(asked) FROM attempts "
                "GROUP BY case_name ORDER BY case_name").fetchall()
        return [{"case": r[0], "started": r[1], "finished": r[2], "right": r[3] or 0, "asked": r[4] or 0}
                for r in rows]

    def by_alert(self) -> list[dict]:
        """Per alert code: how often it was raised and in how many finished attempts, most frequent first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT code, COUNT(*), COUNT(DISTINCT attempt_id) FROM attempt_alerts "
                "GROUP BY code ORDER BY COUNT(DISTINCT attempt_id) DESC, code").fetchall()
        return [{"code": r[0], "raised": r[1], "attempts": r[2]} for r in rows]

    def alerts_by_case(self) -> list[dict]:
        """Per case and alert code: in how many finished attempts the code was raised."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.case_name, x.code, COUNT(*) FROM (SELECT DISTINCT attempt_id, code FROM attempt_alerts) x "
                "JOIN attempts a ON a.id = x.attempt_id GROUP BY a.case_name, x.code "
                "ORDER BY a.case_name, x.code").fetchall()
        return [{"case": r[0], "code": r[1], "attempts": r[2]} for r in rows]

    def finished_attempts(self) -> list[dict]:
        """Every finished attempt with its alert codes, oldest first (the CSV download)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.id, a.case_name, a.seed, a.started, a.finished, a.right, a.asked, "
                "COALESCE(GROUP_CONCAT(x.code, ' '), '') FROM attempts a "
                "LEFT JOIN attempt_alerts x ON x.attempt_id = a.id WHERE a.finished IS NOT NULL "
                "GROUP BY a.id ORDER BY a.finished, a.id").fetchall()
        return [{"attempt": r[0], "case": r[1], "seed": r[2], "started": r[3], "finished": r[4], "right": r[5],
                 "asked": r[6], "alerts": r[7]} for r in rows]

    def count_finished(self, attempt_ids) -> int:
        """How many of ``attempt_ids`` are stored as finished (the load benchmark's check)."""
        ids = list(attempt_ids)
        found = 0
        with self._connect() as db:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                found += db.execute(f"SELECT COUNT(*) FROM attempts WHERE finished IS NOT NULL AND id IN ({marks})",
                                    chunk).fetchone()[0]
        return found

    def add_pathway(self, name: str, file_name: str, text: str) -> tuple[str, bool]:
        """Store a teacher's pathway file as a new case; returns (key, whether it is new).

        A file whose text a loaded (not removed) case already has is that case: nothing is added. The
        check and the insert are one immediate transaction, so two uploads at once store one case.
        """
        digest = text_hash(text)
        with self._write() as db:
            row = db.execute("SELECT key FROM pathways WHERE hash = ? AND removed IS NULL", (digest,)).fetchone()
            if row is not None:
                return row[0], False
            key = "file-" + secrets.token_hex(4)
            now = time.time()
            db.execute("INSERT INTO pathways (key, name, file_name, text, loaded, hash) VALUES (?, ?, ?, ?, ?, ?)",
                       (key, name, file_name, text, now, digest))
            db.execute("INSERT INTO pathway_versions (key, number, hash, name, file_name, text, loaded) "
                       "VALUES (?, 1, ?, ?, ?, ?, ?)", (key, digest, name, file_name, text, now))
        return key, True

    def replace_pathway(self, key: str, name: str, file_name: str, text: str) -> tuple[str, int | str]:
        """Make ``text`` the case's new version: ("replaced", version number), ("same", number) when it is the
        current text already, ("taken", other key) when another loaded case has this text, ("missing", key)."""
        digest = text_hash(text)
        with self._write() as db:
            row = db.execute("SELECT hash FROM pathways WHERE key = ? AND removed IS NULL", (key,)).fetchone()
            if row is None:
                return "missing", key
            number = db.execute("SELECT MAX(number) FROM pathway_versions WHERE key = ?", (key,)).fetchone()[0] or 0
            if row[0] == digest:
                return "same", number
            other = db.execute("SELECT key FROM pathways WHERE hash = ? AND removed IS NULL AND key != ?",
                               (digest, key)).fetchone()
            if other is not None:
                return "taken", other[0]
            now = time.time()
            db.execute("INSERT INTO pathway_versions (key, number, hash, name, file_name, text, loaded) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (key, number + 1, digest, name, file_name, text, now))
            db.execute("UPDATE pathways SET file_name = ?, text = ?, hash = ? WHERE key = ?",
                       (file_name, text, digest, key))
        return "replaced", number + 1

    def rename_pathway(self, key: str, name: str) -> bool:
        """Give a loaded case a new display name (its attempts keep the name they were played under)."""
        with self._write() as db:
            return db.execute("UPDATE pathways SET name = ? WHERE key = ? AND removed IS NULL",
                              (name, key)).rowcount == 1

    def remove_pathway(self, key: str) -> bool:
        """Take a loaded case off the list residents pick from; its versions and attempts stay readable."""
        with self._write() as db:
            return db.execute("UPDATE pathways SET removed = ? WHERE key = ? AND removed IS NULL",
                              (time.time(), key)).rowcount == 1

    def pathways(self) -> list[dict]:
        """Teacher-loaded pathways not removed, oldest first, without their text."""
        with self._connect() as db:
            rows = db.execute("SELECT key, name, file_name FROM pathways WHERE removed IS NULL "
                              "ORDER BY loaded, key").fetchall()
        return [{"key": r[0], "name": r[1], "file_name": r[2]} for r in rows]

    def pathway_info(self, key: str) -> dict | None:
        """A loaded case (removed or not): name, file, current hash, removed time, versions with attempt counts."""
        with self._connect() as db:
            row = db.execute("SELECT key, name, file_name, hash, removed, loaded FROM pathways WHERE key = ?",
                             (key,)).fetchone()
            if row is None:
                return None
            versions = db.execute(
                "SELECT v.number, v.hash, v.file_name, v.loaded, "
                "(SELECT COUNT(*) FROM attempts a WHERE a.pathway_key = v.key AND a.pathway_version = v.hash) "
                "FROM pathway_versions v WHERE v.key = ? ORDER BY v.number", (key,)).fetchall()
        return {"key": row[0], "name": row[1], "file_name": row[2], "hash": row[3], "removed": row[4],
                "loaded": row[5], "versions": [{"number": v[0], "hash": v[1], "file_name": v[2], "loaded": v[3],
                                                "attempts": v[4]} for v in versions]}

    def pathway_text(self, key: str, version: str | None = None) -> tuple[str, str] | None:
        """(file name, text) of a teacher-loaded pathway: its current version, or the version with hash ``version``."""
        with self._connect() as db:
            if version is None:
                row = db.execute("SELECT file_name, text FROM pathways WHERE key = ?", (key,)).fetchone()
            else:
                row = db.execute("SELECT file_name, text FROM pathway_versions WHERE key = ? AND hash = ? "
                                 "ORDER BY number LIMIT 1", (key, version)).fetchone()
        return (row[0], row[1]) if row else None

    def pathway_current(self, key: str) -> tuple[str, str] | None:
        """(display name, current hash) of a loaded case residents can pick (not removed), or None."""
        with self._connect() as db:
            row = db.execute("SELECT name, hash FROM pathways WHERE key = ? AND removed IS NULL", (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def new_class(self, name: str) -> tuple[str, str]:
        """Store a new class; returns (class id, join code). The code is unique among classes."""
        class_id = secrets.token_hex(6)
        with self._write() as db:
            while True:
                code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
                if db.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone() is None:
                    break
            db.execute("INSERT INTO classes (id, name, code, created) VALUES (?, ?, ?, ?)",
                       (class_id, name, code, time.time()))
        return class_id, code

    def classes(self) -> list[dict]:
        """Every class with its join code and number of residents, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT c.id, c.name, c.code, COUNT(r.id) FROM classes c "
                              "LEFT JOIN residents r ON r.class_id = c.id GROUP BY c.id "
                              "ORDER BY c.created, c.id").fetchall()
        return [{"id": r[0], "name": r[1], "code": r[2], "residents": r[3]} for r in rows]

    def class_by(self, *, class_id: str | None = None, code: str | None = None) -> dict | None:
        """The class with ``class_id`` or join ``code``, or None."""
        column, value = ("id", class_id) if class_id is not None else ("code", code)
        with self._connect() as db:
            row = db.execute(f"SELECT id, name, code FROM classes WHERE {column} = ?", (value,)).fetchone()
        return {"id": row[0], "name": row[1], "code": row[2]} if row else None

    def join(self, class_id: str, name: str, session: str) -> str | None:
        """Add resident ``name`` to the class, remembered by ``session``; None if the name is taken there."""
        resident_id = secrets.token_hex(8)
        with self._write() as db:
            try:
                db.execute("INSERT INTO residents (id, class_id, name, session_hash, joined) VALUES (?, ?, ?, ?, ?)",
                           (resident_id, class_id, name, session_hash(session), time.time()))
            except sqlite3.IntegrityError:
                return None
        return resident_id

    def resident_for(self, session: str | None) -> dict | None:
        """The resident this session cookie belongs to (with their class), or None."""
        if not isinstance(session, str) or not session:
            return None
        with self._connect() as db:
            row = db.execute("SELECT r.id, r.name, c.id, c.name FROM residents r JOIN classes c ON c.id = r.class_id "
                             "WHERE r.session_hash = ?", (session_hash(session),)).fetchone()
        return {"id": row[0], "name": row[1], "class_id": row[2], "class_name": row[3]} if row else None

    def class_residents(self, class_id: str) -> list[dict]:
        """The class's residents with their attempts started and finished and decisions on the guideline."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT r.id, r.name, COUNT(a.id), COUNT(a.finished), COALESCE(SUM(a.right), 0), "
                "COALESCE(SUM(a.asked), 0) FROM residents r LEFT JOIN attempts a ON a.resident_id = r.id "
                "WHERE r.class_id = ? GROUP BY r.id ORDER BY r.name, r.id", (class_id,)).fetchall()
        return [{"id": r[0], "name": r[1], "started": r[2], "finished": r[3], "right": r[4], "asked": r[5]}
                for r in rows]

    def add_assignment(self, class_id: str, pathway_key: str, case_name: str, seed: int | None, hide_map: bool,
                       due: str | None) -> str:
        """Set the class a case: a fixed ``seed`` (or None: a fresh patient each), the map hidden or not."""
        assignment_id = secrets.token_hex(6)
        with self._write() as db:
            db.execute("INSERT INTO assignments (id, class_id, pathway_key, case_name, seed, hide_map, due, created) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (assignment_id, class_id, pathway_key, case_name, seed, int(hide_map), due, time.time()))
        return assignment_id

    def assignments(self, class_id: str) -> list[dict]:
        """The class's assignments, in the order they were set."""
        with self._connect() as db:
            rows = db.execute("SELECT id, pathway_key, case_name, seed, hide_map, due FROM assignments "
                              "WHERE class_id = ? ORDER BY created, id", (class_id,)).fetchall()
        return [{"id": r[0], "pathway_key": r[1], "case": r[2], "seed": r[3], "hide_map": bool(r[4]), "due": r[5]}
                for r in rows]

    def progress(self, class_id: str) -> dict[tuple[str, str], dict]:
        """Per (resident id, assignment id): attempts started and finished, best score, latest attempt id."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.resident_id, a.assignment_id, COUNT(*), COUNT(a.finished), MAX(a.right), MAX(a.asked), "
                "MAX(a.id) FROM attempts a JOIN assignments s ON s.id = a.assignment_id WHERE s.class_id = ? "
                "GROUP BY a.resident_id, a.assignment_id", (class_id,)).fetchall()
        return {(r[0], r[1]): {"started": r[2], "finished": r[3], "right": r[4], "asked": r[5]} for r in rows}

    def export_attempts(self, class_id: str | None = None, resident_id: str | None = None,
                        attempt_id: str | None = None) -> list[dict]:
        """Every attempt (of a class, of one resident, or the one ``attempt_id``), finished or not, oldest first."""
        where, args = ("WHERE r.class_id = ?", (class_id,)) if class_id else ("", ())
        if resident_id:
            where, args = "WHERE a.resident_id = ?", (resident_id,)
        if attempt_id:
            where, args = "WHERE a.id = ?", (attempt_id,)
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.id, r.name, c.name, a.case_name, a.pathway_key, a.seed, a.answers, a.started, a.finished, "
                "a.right, a.asked, (SELECT GROUP_CONCAT(x.code, ' ') FROM attempt_alerts x WHERE x.attempt_id = a.id), "
                "a.pathway_version, r.id, c.id "
                "FROM attempts a LEFT JOIN residents r ON r.id = a.resident_id "
                "LEFT JOIN classes c ON c.id = r.class_id "
                f"{where} ORDER BY a.started, a.id", args).fetchall()
        return [{"attempt": r[0], "resident": r[1], "class": r[2], "case": r[3], "pathway_key": r[4], "seed": r[5],
                 "answers": tuple(tuple(x) for x in json.loads(r[6])), "started": r[7], "finished": r[8],
                 "right": r[9], "asked": r[10], "alerts": r[11] or "", "pathway_version": r[12],
                 "resident_id": r[13], "class_id": r[14]} for r in rows]

    def stored_decisions(self, resident_id: str | None = None, attempt_id: str | None = None) -> dict[str, list]:
        """Per attempt (of a resident, or the one attempt): its stored decision rows, as the export's rows read.

        Read from the rows stored with each answer (no replay), so a resident with hundreds of attempts is one
        query: decision, event, option_text, guideline_options (the guideline's options, in the order offered),
        verdict, alerts.
        """
        where, args = ("a.resident_id = ?", (resident_id,)) if attempt_id is None else ("a.id = ?", (attempt_id,))
        found: dict[str, list] = {}
        with self._connect() as db:
            guideline: dict[tuple[str, int], list[str]] = {}
            for aid, number, text in db.execute(
                    "SELECT o.attempt_id, o.decision, o.text FROM attempts a JOIN decision_options o "
                    f"ON o.attempt_id = a.id WHERE {where} AND o.guideline = 1 ORDER BY o.rowid", args):
                guideline.setdefault((aid, number), []).append(text)
            for aid, number, event, option, verdict, alerts in db.execute(
                    "SELECT d.attempt_id, d.decision, d.event, d.option_text, d.verdict, d.alerts FROM attempts a "
                    f"JOIN decisions d ON d.attempt_id = a.id WHERE {where} ORDER BY d.attempt_id, d.decision", args):
                found.setdefault(aid, []).append(
                    {"decision": number, "event": event, "option_text": option,
                     "guideline_options": " | ".join(guideline.get((aid, number), [])), "verdict": verdict,
                     "alerts": alerts})
        return found

    @staticmethod
    def _class_filter(class_id: str | None, alias: str = "") -> tuple[str, tuple]:
        return (f" AND {alias}class_id = ?", (class_id,)) if class_id else ("", ())

    def decision_cases(self, class_id: str | None = None) -> list[dict]:
        """Per case (pathway key) with answered decisions: its name, attempts and answers (of a class, or all)."""
        where, args = ("WHERE d.class_id = ?", (class_id,)) if class_id else ("", ())
        with self._connect() as db:
            rows = db.execute(
                "SELECT d.pathway_key, COUNT(DISTINCT d.attempt_id), COUNT(*), SUM(d.verdict = 'right'), "
                "(SELECT a.case_name FROM attempts a WHERE a.pathway_key = d.pathway_key ORDER BY a.started DESC "
                "LIMIT 1) FROM decisions d "
                f"{where} GROUP BY d.pathway_key ORDER BY 5, 1", args).fetchall()
        return [{"key": r[0], "attempts": r[1], "answers": r[2], "right": r[3] or 0, "case": r[4] or r[0]}
                for r in rows]

    def decision_case_name(self, pathway_key: str, class_id: str | None = None) -> str | None:
        """The case's latest name if it has answered decisions (of the class), else None."""
        extra, args = self._class_filter(class_id)
        with self._connect() as db:
            if db.execute(f"SELECT 1 FROM decisions WHERE pathway_key = ?{extra} LIMIT 1",
                          (pathway_key, *args)).fetchone() is None:
                return None
            row = db.execute("SELECT case_name FROM attempts WHERE pathway_key = ? ORDER BY started DESC LIMIT 1",
                             (pathway_key,)).fetchone()
        return row[0] if row else pathway_key

    def decision_point(self, pathway_key: str, point: str, class_id: str | None = None) -> dict | None:
        """One decision point of a case (as ``decision_points`` gives it), or None if nobody answered it."""
        extra, args = self._class_filter(class_id)
        with self._connect() as db:
            row = db.execute("SELECT MIN(point_label), COUNT(*), SUM(verdict = 'right'), AVG(decision) FROM decisions "
                             f"WHERE pathway_key = ? AND point = ?{extra}", (pathway_key, point, *args)).fetchone()
        if not row[1]:
            return None
        return {"point": point, "label": row[0], "answers": row[1], "right": row[2] or 0, "usual": row[3]}

    def decision_points(self, pathway_key: str, class_id: str | None = None) -> list[dict]:
        """Per decision point of a case: its label, answers, answers on the guideline, usual decision number."""
        extra, args = self._class_filter(class_id)
        with self._connect() as db:
            rows = db.execute(
                "SELECT point, MIN(point_label), COUNT(*), SUM(verdict = 'right'), AVG(decision) FROM decisions "
                f"WHERE pathway_key = ?{extra} GROUP BY point ORDER BY AVG(decision), MIN(point_label)",
                (pathway_key, *args)).fetchall()
        return [{"point": r[0], "label": r[1], "answers": r[2], "right": r[3] or 0, "usual": r[4]} for r in rows]

    def point_options(self, pathway_key: str, point: str, class_id: str | None = None) -> list[dict]:
        """Per option offered at a decision point: times offered, chosen, and a guideline option."""
        extra, args = self._class_filter(class_id)
        with self._connect() as db:
            rows = db.execute(
                "SELECT text, COUNT(*), SUM(chosen), SUM(guideline), SUM(chosen AND guideline) FROM decision_options "
                f"WHERE pathway_key = ? AND point = ?{extra} GROUP BY text ORDER BY SUM(chosen) DESC, text",
                (pathway_key, point, *args)).fetchall()
        return [{"text": r[0], "offered": r[1], "chosen": r[2] or 0, "guideline": r[3] or 0,
                 "chosen_right": r[4] or 0} for r in rows]

    def point_alerts(self, pathway_key: str, point: str, class_id: str | None = None) -> list[dict]:
        """Per alert code raised at a decision point: how many answers raised it, most frequent first."""
        extra, args = self._class_filter(class_id)
        counts: dict[str, int] = {}
        with self._connect() as db:
            for (alerts,) in db.execute(f"SELECT alerts FROM decisions WHERE pathway_key = ? AND point = ?{extra} "
                                        "AND alerts != ''", (pathway_key, point, *args)):
                for code in set(alerts.split()):
                    counts[code] = counts.get(code, 0) + 1
        return [{"code": c, "answers": n} for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def option_attempts(self, pathway_key: str, point: str, option_text: str, class_id: str | None = None,
                        limit: int = 500) -> tuple[int, list[dict]]:
        """(how many, the first ``limit``) answers choosing ``option_text`` at a decision point, with their attempt."""
        extra, args = self._class_filter(class_id, "d.")
        where = f"WHERE d.pathway_key = ? AND d.point = ? AND d.option_text = ?{extra}"
        with self._connect() as db:
            total = db.execute(f"SELECT COUNT(*) FROM decisions d {where}",
                               (pathway_key, point, option_text, *args)).fetchone()[0]
            rows = db.execute(
                "SELECT d.attempt_id, d.decision, d.verdict, d.alerts, a.seed, a.started, a.finished, a.right, "
                "a.asked, r.id, r.name, c.id, c.name FROM decisions d JOIN attempts a ON a.id = d.attempt_id "
                "LEFT JOIN residents r ON r.id = a.resident_id LEFT JOIN classes c ON c.id = r.class_id "
                f"{where} ORDER BY a.started, a.id LIMIT ?", (pathway_key, point, option_text, *args, limit)).fetchall()
        return total, [{"attempt": r[0], "decision": r[1], "verdict": r[2], "alerts": r[3].split(), "seed": r[4],
                        "started": r[5], "finished": r[6], "right": r[7], "asked": r[8], "resident_id": r[9],
                        "resident": r[10], "class_id": r[11], "class": r[12]} for r in rows]


JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud in a classroom
JOIN_CODE_LENGTH = 8


def session_hash(session: str) -> str:
    """What the store keeps of a resident's session id (a copy of the database opens no session)."""
    return hashlib.sha256(session.encode()).hexdigest()
