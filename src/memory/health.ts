import { statSync } from "node:fs";
import { type Db, pragmaValue, schemaVersion } from "./db.js";
import { SCHEMA_VERSION } from "./migrations.js";

/** What `squad-mcp doctor` shows about the database; gathered without writing anything. */
export interface DatabaseHealth {
  file: string;
  /** Bytes of the main file; null for an in-memory database or a file that cannot be read. */
  sizeBytes: number | null;
  /** Bytes of `<file>-wal`; 0 when there is none (checkpointed, or never written). */
  walBytes: number;
  schemaVersion: number;
  expectedSchemaVersion: number;
  journalMode: string;
  /** Rows per table of the schema, in the order the schema created them. */
  rowCounts: { table: string; rows: number }[];
  /** `ok`, or the first problem `PRAGMA quick_check` found. */
  quickCheck: string;
}

export function databaseHealth(db: Db, file: string): DatabaseHealth {
  return {
    file,
    sizeBytes: file === ":memory:" ? null : fileSize(file),
    walBytes: file === ":memory:" ? 0 : (fileSize(`${file}-wal`) ?? 0),
    schemaVersion: schemaVersion(db),
    expectedSchemaVersion: SCHEMA_VERSION,
    journalMode: String(pragmaValue(db, "journal_mode")),
    rowCounts: schemaTables(db).map((table) => ({
      table,
      rows: (
        db.prepare(`SELECT count(*) AS n FROM "${table.replaceAll('"', '""')}"`).get() as {
          n: number;
        }
      ).n,
    })),
    quickCheck: String(pragmaValue(db, "quick_check(1)") ?? "no answer"),
  };
}

/**
 * The tables the schema declares: SQLite's own (`sqlite_*`) and the shadow tables a virtual
 * table keeps its data in (`memory_fts_data`, `memory_fts_idx`, …) are left out; the virtual
 * table itself is counted.
 */
export function schemaTables(db: Db): string[] {
  const tables = db
    .prepare<[], { name: string; sql: string | null }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
    )
    .all();
  const virtual = tables
    .filter((table) => /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(table.sql ?? ""))
    .map((table) => table.name);
  return tables
    .map((table) => table.name)
    .filter((name) => !virtual.some((owner) => name.startsWith(`${owner}_`)));
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}
