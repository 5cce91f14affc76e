-- The attempts database as sarcoma-sim 0.4 (schema version 2) created it, for the migration test.

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

ALTER TABLE attempts ADD COLUMN resident_id TEXT REFERENCES residents(id);
ALTER TABLE attempts ADD COLUMN assignment_id TEXT REFERENCES assignments(id);
ALTER TABLE attempts ADD COLUMN hide_map INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS attempts_resident ON attempts(resident_id);
PRAGMA user_version = 2;
