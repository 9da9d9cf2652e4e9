import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { migrate } from "./migrations.js";

export type Db = Database.Database;

/** How long a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating if needed) the shared database. Several server processes use one file, so:
 * WAL for readers that never block the writer, a busy timeout instead of SQLITE_BUSY errors,
 * and IMMEDIATE write transactions so two writers never deadlock upgrading read locks.
 */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

/** Runs `work` in a BEGIN IMMEDIATE transaction: the write lock is taken up front. */
export function writeTransaction<T>(db: Db, work: () => T): T {
  return runner(db).immediate(work) as T;
}

/**
 * One transaction function per database, handed the work to do: better-sqlite3 builds a new
 * wrapper on every db.transaction() call, which cost as much as the write it wrapped.
 */
const runners = new WeakMap<Db, Database.Transaction<(work: () => unknown) => unknown>>();

function runner(db: Db): Database.Transaction<(work: () => unknown) => unknown> {
  let transaction = runners.get(db);
  if (!transaction) {
    transaction = db.transaction((work: () => unknown) => work());
    runners.set(db, transaction);
  }
  return transaction;
}

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}
