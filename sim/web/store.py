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

SCHEMA_VERSION = 2
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
"""
# Columns added to tables an older version created (version 1 had attempts without a resident).
ADDED_COLUMNS = (("attempts", "resident_id", "TEXT REFERENCES residents(id)"),
                 ("attempts", "assignment_id", "TEXT REFERENCES assignments(id)"),
                 ("attempts", "hide_map", "INTEGER NOT NULL DEFAULT 0"))


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


class Store:
    """The app's SQLite file."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
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
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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
            with self._connect() as db:
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
                    assignment_id: str | None = None, hide_map: bool = False, statements=None) -> str:
        """Store a new attempt (a resident's, or anonymous) and return its id (unguessable, URL-safe).

        ``statements(attempt_id, now)``, if given, returns the (id, JSON) learning records queued in the same write.
        """
        attempt_id = secrets.token_urlsafe(12)
        with self._write() as db:
            if statements is not None:
                self._queue(db, statements(attempt_id, time.time()))
            db.execute("INSERT INTO attempts (id, pathway_key, case_name, seed, started, resident_id, assignment_id, "
                       "hide_map) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (attempt_id, pathway_key, case_name, seed, time.time(), resident_id, assignment_id,
                        int(hide_map)))
        return attempt_id

    def attempt(self, attempt_id: str) -> Attempt | None:
        """The attempt with ``attempt_id``, or None."""
        with self._connect() as db:
            row = db.execute("SELECT id, pathway_key, case_name, seed, answers, started, finished, right, asked, "
                             "hide_map, resident_id FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            return None
        answers = tuple(tuple(a) for a in json.loads(row[4]))
        return Attempt(row[0], row[1], row[2], row[3], answers, row[5], row[6], row[7], row[8], bool(row[9]), row[10])

    def add_answer(self, attempt_id: str, expected_count: int, answer: tuple[int, int],
                   outcome: Outcome | None = None, statements=()) -> bool:
        """Append ``answer`` if the attempt is open with ``expected_count`` answers (no double submit).

        With ``outcome`` (the answer ends the case) the attempt is finished in the same transaction, and the
        (id, JSON) learning records in ``statements`` are queued in it too. Returns whether the answer was stored.
        """
        with self._write() as db:
            row = db.execute("SELECT answers, finished FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None or row[1] is not None:
                return False
            answers = json.loads(row[0])
            if len(answers) != expected_count:
                return False
            answers.append(list(answer))
            db.execute("UPDATE attempts SET answers = ? WHERE id = ?", (json.dumps(answers), attempt_id))
            if outcome is not None:
                self._finish(db, attempt_id, outcome)
            self._queue(db, statements)
        return True

    @staticmethod
    def _queue(db: sqlite3.Connection, statements) -> None:
        now = time.time()
        db.executemany("INSERT OR IGNORE INTO outbox (id, body, queued, next_try) VALUES (?, ?, ?, ?)",
                       [(sid, body, now, now) for sid, body in statements])

    def outbox_due(self, now: float, limit: int = 100) -> list[tuple[str, str, int]]:
        """(id, JSON, tries so far) of unsent learning records due by ``now``, oldest first."""
        with self._connect() as db:
            return db.execute("SELECT id, body, tries FROM outbox WHERE sent IS NULL AND next_try <= ? "
                              "ORDER BY queued, id LIMIT ?", (now, limit)).fetchall()

    def outbox_sent(self, statement_id: str) -> None:
        """Mark a learning record as accepted by the LRS."""
        with self._write() as db:
            db.execute("UPDATE outbox SET sent = ? WHERE id = ?", (time.time(), statement_id))

    def outbox_retry(self, statement_id: str, next_try: float, status: int | None) -> None:
        """Count a failed send and set when to try again."""
        with self._write() as db:
            db.execute("UPDATE outbox SET tries = tries + 1, next_try = ?, last_status = ? WHERE id = ?",
                       (next_try, status, statement_id))

    def outbox_counts(self) -> dict:
        """How many learning records are queued and how many were sent."""
        with self._connect() as db:
            row = db.execute("SELECT COUNT(*) - COUNT(sent), COUNT(sent) FROM outbox").fetchone()
        return {"queued": row[0], "sent": row[1]}

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
                "SELECT a.case_name, x.code, COUNT(DISTINCT x.attempt_id) FROM attempt_alerts x "
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

    def add_pathway(self, name: str, file_name: str, text: str) -> str:
        """Store a teacher's pathway file; returns its key."""
        key = "file-" + secrets.token_hex(4)
        with self._write() as db:
            db.execute("INSERT INTO pathways (key, name, file_name, text, loaded) VALUES (?, ?, ?, ?, ?)",
                       (key, name, file_name, text, time.time()))
        return key

    def pathways(self) -> list[dict]:
        """Teacher-loaded pathways, oldest first, without their text."""
        with self._connect() as db:
            rows = db.execute("SELECT key, name, file_name FROM pathways ORDER BY loaded, key").fetchall()
        return [{"key": r[0], "name": r[1], "file_name": r[2]} for r in rows]

    def pathway_text(self, key: str) -> tuple[str, str] | None:
        """(file name, text) of a teacher-loaded pathway, or None."""
        with self._connect() as db:
            row = db.execute("SELECT file_name, text FROM pathways WHERE key = ?", (key,)).fetchone()
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

    def export_attempts(self, class_id: str | None = None, resident_id: str | None = None) -> list[dict]:
        """Every attempt (of a class, or of one resident), finished or not, with resident and class, oldest first."""
        where, args = ("WHERE r.class_id = ?", (class_id,)) if class_id else ("", ())
        if resident_id:
            where, args = "WHERE a.resident_id = ?", (resident_id,)
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.id, r.name, c.name, a.case_name, a.pathway_key, a.seed, a.answers, a.started, a.finished, "
                "a.right, a.asked, (SELECT GROUP_CONCAT(x.code, ' ') FROM attempt_alerts x WHERE x.attempt_id = a.id) "
                "FROM attempts a LEFT JOIN residents r ON r.id = a.resident_id "
                "LEFT JOIN classes c ON c.id = r.class_id "
                f"{where} ORDER BY a.started, a.id", args).fetchall()
        return [{"attempt": r[0], "resident": r[1], "class": r[2], "case": r[3], "pathway_key": r[4], "seed": r[5],
                 "answers": tuple(tuple(x) for x in json.loads(r[6])), "started": r[7], "finished": r[8],
                 "right": r[9], "asked": r[10], "alerts": r[11] or ""} for r in rows]


JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud in a classroom
JOIN_CODE_LENGTH = 8


def session_hash(session: str) -> str:
    """What the store keeps of a resident's session id (a copy of the database opens no session)."""
    return hashlib.sha256(session.encode()).hexdigest()
