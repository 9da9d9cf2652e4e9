import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databaseHealth, schemaTables } from "./health.js";
import { SCHEMA_VERSION } from "./migrations.js";
import type { OutcomeInput } from "./outcomes.js";
import { openSqlite } from "./sqlite.js";
import { openStore, type Store } from "./store.js";

const dbFile = () => join(mkdtempSync(join(tmpdir(), "squad-health-")), "squad.db");
const outcome = (over: Partial<OutcomeInput> = {}): OutcomeInput => ({
  decisionId: null,
  task: "run the unit tests",
  worker: "qwen-fast",
  category: "tests",
  success: true,
  score: null,
  notes: null,
  latencyMs: 100,
  tokensIn: null,
  tokensOut: null,
  source: "host",
  at: 1_000,
  ...over,
});

const SCHEMA_TABLES = [
  "decisions",
  "outcomes",
  "profiles",
  "memory_fts",
  "runs",
  "run_tasks",
  "model_calls",
  "quota_usage",
  "cooldowns",
  "validations",
  "specs",
  "spec_reports",
  "command_groups",
  "tool_calls",
];

const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function open(file: string): Store {
  const store = openStore(file);
  opened.push(store);
  return store;
}

describe("databaseHealth", () => {
  it("reports the schema version, journal mode, sizes, rows per table and quick_check", () => {
    const file = dbFile();
    const store = open(file);
    store.outcomes.log(outcome());
    store.outcomes.log(outcome({ category: "lint", success: false }));
    store.outcomes.log(outcome({ worker: "flash", task: null }));
    store.quota.increment("flash", "2025-06-15");
    store.quota.setCooldown("pro", 5_000, "daily quota spent");

    const health = store.health();
    expect(health.file).toBe(file);
    expect(health.schemaVersion).toBe(SCHEMA_VERSION);
    expect(health.expectedSchemaVersion).toBe(SCHEMA_VERSION);
    expect(health.journalMode).toBe("wal");
    expect(health.quickCheck).toBe("ok");
    expect(health.sizeBytes).toBe(statSync(file).size);
    expect(health.walBytes).toBe(statSync(`${file}-wal`).size);
    expect(health.walBytes).toBeGreaterThan(0);

    const rows = Object.fromEntries(health.rowCounts.map(({ table, rows }) => [table, rows]));
    expect(health.rowCounts.map(({ table }) => table)).toEqual(SCHEMA_TABLES);
    expect(rows).toMatchObject({
      outcomes: 3,
      // qwen-fast×tests, qwen-fast×lint, flash×tests
      profiles: 3,
      // the outcome without a task has nothing to index
      memory_fts: 2,
      quota_usage: 1,
      cooldowns: 1,
      decisions: 0,
      runs: 0,
    });
  });

  it("changes nothing, and sees the WAL emptied by a checkpoint", () => {
    const store = open(dbFile());
    store.outcomes.log(outcome());
    store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const changes = () => store.db.prepare("SELECT total_changes() AS n").get() as { n: number };
    const before = changes().n;
    const health = store.health();
    expect(changes().n).toBe(before);
    expect(health.walBytes).toBe(0);
    expect(health.sizeBytes).toBeGreaterThan(0);
    expect(health.rowCounts.find(({ table }) => table === "outcomes")?.rows).toBe(1);
  });

  it("reads an older schema as it is, without migrating it", () => {
    const file = dbFile();
    const db = openSqlite(file);
    db.exec("CREATE TABLE decisions (id TEXT PRIMARY KEY)");
    db.exec("INSERT INTO decisions VALUES ('d1'), ('d2')");
    db.exec("PRAGMA user_version = 1");
    const health = databaseHealth(db, file);
    db.close();
    expect(health.schemaVersion).toBe(1);
    expect(health.expectedSchemaVersion).toBe(SCHEMA_VERSION);
    expect(health.journalMode).toBe("delete");
    expect(health.walBytes).toBe(0);
    expect(health.rowCounts).toEqual([{ table: "decisions", rows: 2 }]);
  });

  it("gives no size for an in-memory database", () => {
    const db = openSqlite(":memory:");
    const health = databaseHealth(db, ":memory:");
    db.close();
    expect(health.sizeBytes).toBeNull();
    expect(health.walBytes).toBe(0);
    expect(health.rowCounts).toEqual([]);
  });
});

describe("schemaTables", () => {
  it("leaves out SQLite's own tables and virtual tables' shadow tables, keeps look-alikes", () => {
    const db = openSqlite(":memory:");
    db.exec(`
      CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT);
      INSERT INTO notes (body) VALUES ('x');
      CREATE VIRTUAL TABLE notes_fts USING fts5 (body);
      CREATE TABLE "odd ""name""" (x);
      CREATE TABLE notes_archive (x);
    `);
    const tables = schemaTables(db);
    const counts = databaseHealth(db, ":memory:").rowCounts;
    db.close();
    // sqlite_sequence exists (AUTOINCREMENT); notes_fts_data, _idx, _content, … too.
    expect(tables).toEqual(["notes", "notes_fts", 'odd "name"', "notes_archive"]);
    expect(counts).toEqual([
      { table: "notes", rows: 1 },
      { table: "notes_fts", rows: 0 },
      { table: 'odd "name"', rows: 0 },
      { table: "notes_archive", rows: 0 },
    ]);
  });
});
