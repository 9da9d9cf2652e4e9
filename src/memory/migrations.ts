import type { Db } from "./sqlite.js";

/** Index i holds the step from user_version i to i + 1. Never edit a step once released. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    task TEXT NOT NULL,
    context TEXT,
    prefer TEXT,
    route TEXT NOT NULL CHECK (route IN ('host', 'squad')),
    worker TEXT,
    provider TEXT NOT NULL,
    model TEXT,
    category TEXT NOT NULL,
    complexity REAL NOT NULL,
    needs_skill INTEGER NOT NULL,
    skills TEXT NOT NULL,
    confidence REAL NOT NULL,
    rationale TEXT NOT NULL,
    fallbacks TEXT NOT NULL
  );
  CREATE INDEX decisions_created ON decisions (created_at);

  CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id TEXT REFERENCES decisions (id),
    worker TEXT NOT NULL,
    category TEXT NOT NULL,
    success INTEGER NOT NULL CHECK (success IN (0, 1)),
    score REAL,
    notes TEXT,
    latency_ms INTEGER,
    tokens_in INTEGER,
    tokens_out INTEGER,
    source TEXT NOT NULL DEFAULT 'host',
    created_at INTEGER NOT NULL
  );
  CREATE INDEX outcomes_decision ON outcomes (decision_id);
  CREATE INDEX outcomes_worker_category ON outcomes (worker, category, created_at);

  -- Kept current in the same transaction as each outcome, so routing never scans history.
  CREATE TABLE profiles (
    worker TEXT NOT NULL,
    category TEXT NOT NULL,
    n INTEGER NOT NULL,
    successes INTEGER NOT NULL,
    score_sum REAL NOT NULL,
    score_n INTEGER NOT NULL,
    latency_sum REAL NOT NULL,
    latency_n INTEGER NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    failure_streak INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (worker, category)
  ) WITHOUT ROWID;

  -- One row per outcome: the task it answered and the notes on how it went.
  CREATE VIRTUAL TABLE memory_fts USING fts5 (
    body,
    outcome_id UNINDEXED,
    tokenize = 'porter unicode61'
  );
  `,
  `
  -- One spawn_squad call. A run still 'running' whose pid is gone was left by a dead server.
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'interrupted')),
    pid INTEGER NOT NULL,
    project TEXT NOT NULL
  );
  CREATE INDEX runs_status ON runs (status);

  CREATE TABLE run_tasks (
    run_id TEXT NOT NULL REFERENCES runs (id),
    task_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('command', 'prompt')),
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    worker TEXT,
    model TEXT,
    exit_code INTEGER,
    signal TEXT,
    started_at INTEGER,
    duration_ms INTEGER,
    digest TEXT,
    log TEXT,
    raw_bytes INTEGER,
    tokens_in INTEGER,
    tokens_out INTEGER,
    decision_id TEXT,
    detail TEXT,
    PRIMARY KEY (run_id, task_id)
  ) WITHOUT ROWID;

  -- Every request to a model backend, answered or not.
  CREATE TABLE model_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    worker TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    host TEXT,
    ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
    tokens_in INTEGER,
    tokens_out INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT,
    run_id TEXT,
    task_id TEXT
  );
  CREATE INDEX model_calls_worker ON model_calls (worker, at);

  -- Requests per alias per quota day (Gemini's day ends at midnight Pacific time).
  CREATE TABLE quota_usage (
    alias TEXT NOT NULL,
    day TEXT NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (alias, day)
  ) WITHOUT ROWID;

  -- An alias is not used before "until" (ms since the epoch), e.g. after a per-day 429.
  CREATE TABLE cooldowns (
    alias TEXT PRIMARY KEY,
    until INTEGER NOT NULL,
    reason TEXT NOT NULL
  );
  `,
  `
  -- Every validate_output verdict, with the checks and the validator call behind it.
  CREATE TABLE validations (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    task TEXT NOT NULL,
    decision_id TEXT,
    pass INTEGER NOT NULL CHECK (pass IN (0, 1)),
    escalate INTEGER NOT NULL CHECK (escalate IN (0, 1)),
    confidence REAL NOT NULL,
    issues TEXT NOT NULL,
    checks TEXT NOT NULL,
    validator TEXT,
    outcome_id INTEGER
  );
  CREATE INDEX validations_decision ON validations (decision_id);
  `,
  `
  -- Code Specs per project (the project root), numbered CS-001, CS-002, ... within it.
  CREATE TABLE specs (
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    number INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    title TEXT NOT NULL,
    priority TEXT NOT NULL,
    spec TEXT NOT NULL,
    markdown_path TEXT,
    PRIMARY KEY (project, id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX specs_number ON specs (project, number);

  -- Every implement_spec report; the latest per spec is the one shown.
  CREATE TABLE spec_reports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL,
    spec_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')),
    report TEXT NOT NULL,
    report_path TEXT,
    patch_path TEXT,
    FOREIGN KEY (project, spec_id) REFERENCES specs (project, id)
  );
  CREATE INDEX spec_reports_spec ON spec_reports (project, spec_id, seq);
  `,
  `
  -- Process groups of running commands, so a server started after one that died can kill
  -- what it left. start_ticks (/proc/<pid>/stat field 22) tells a recycled pid apart.
  CREATE TABLE command_groups (
    server_pid INTEGER NOT NULL,
    pgid INTEGER NOT NULL,
    start_ticks INTEGER,
    started_at INTEGER NOT NULL,
    PRIMARY KEY (server_pid, pgid)
  ) WITHOUT ROWID;
  `,
  `
  -- What each tool call cost the host: the characters of the arguments it wrote and of the
  -- result it read, and the characters of code it did not have to write (an applied patch).
  CREATE TABLE tool_calls (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    tool TEXT NOT NULL,
    args_chars INTEGER NOT NULL,
    read_chars INTEGER NOT NULL,
    written_chars INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX tool_calls_at ON tool_calls (at);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema to SCHEMA_VERSION. The version is re-read under the write lock, so when
 * several processes start together each step still runs exactly once.
 */
export function migrate(db: Db): void {
  const readVersion = () => Number(readUserVersion(db));
  if (readVersion() > SCHEMA_VERSION) {
    throw new Error(
      `database schema v${readVersion()} is newer than this squad-mcp understands (v${SCHEMA_VERSION}); upgrade squad-mcp`,
    );
  }
  if (readVersion() === SCHEMA_VERSION) return;
  db.transaction("BEGIN IMMEDIATE", () => {
    for (let version = readVersion(); version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] ?? "");
      db.exec(`PRAGMA user_version = ${version + 1}`);
    }
  });
}

function readUserVersion(db: Db): unknown {
  return db.prepare<[], { user_version: number }>("PRAGMA user_version").get()?.user_version;
}
