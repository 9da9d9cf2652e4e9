import type { Db } from "./db.js";

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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema to SCHEMA_VERSION. The version is re-read under the write lock, so when
 * several processes start together each step still runs exactly once.
 */
export function migrate(db: Db): void {
  const readVersion = () => db.pragma("user_version", { simple: true }) as number;
  if (readVersion() > SCHEMA_VERSION) {
    throw new Error(
      `database schema v${readVersion()} is newer than this squad-mcp understands (v${SCHEMA_VERSION}); upgrade squad-mcp`,
    );
  }
  if (readVersion() === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = readVersion(); version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] ?? "");
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}
