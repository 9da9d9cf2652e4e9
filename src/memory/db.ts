import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { errorMessage, StoreError } from "../errors.js";
import { migrate } from "./migrations.js";
import { type Db, openSqlite } from "./sqlite.js";

export type { Db, Statement } from "./sqlite.js";

/** How long a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating if needed) the shared database. Several server processes use one file, so:
 * WAL for readers that never block the writer, a busy timeout instead of SQLITE_BUSY errors,
 * and IMMEDIATE write transactions so two writers never deadlock upgrading read locks.
 * A file that cannot be opened or is not a database is a StoreError naming it.
 */
export function openDatabase(file: string): Db {
  const db = openFile(file);
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error instanceof StoreError ? error : storeError(file, error);
  }
}

function openFile(file: string): Db {
  try {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    return openSqlite(file);
  } catch (error) {
    throw error instanceof StoreError ? error : storeError(file, error);
  }
}

/** Turns a driver's or the file system's error into one line a user can act on. */
function storeError(file: string, error: unknown): StoreError {
  const message = errorMessage(error);
  const code = (error as { code?: unknown }).code;
  if (/not a database|malformed|corrupt/i.test(message)) {
    return new StoreError(
      file,
      "is not a usable SQLite database (corrupt or another kind of file)",
      "move it aside (squad-mcp starts a new one) or point SQUAD_HOME at another folder",
    );
  }
  if (/readonly|read-only|EACCES|EROFS|EPERM|ENOTDIR|unable to open/i.test(`${message} ${code}`)) {
    return new StoreError(
      file,
      `cannot be opened for writing (${whyNotWritable(file) ?? message})`,
      "make its folder writable or point SQUAD_HOME at a writable folder",
    );
  }
  if (/newer than this squad-mcp/.test(message)) {
    return new StoreError(file, message, "upgrade squad-mcp or use another SQUAD_HOME");
  }
  return new StoreError(file, message, "check the file and its folder, or use another SQUAD_HOME");
}

/** What the file system says about writing `file`, when it says something plainer than SQLite. */
function whyNotWritable(file: string): string | undefined {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return "it is a folder";
    accessSync(dirname(file), constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "EROFS") return `${dirname(file)} is on a read-only file system`;
    if (code === "EACCES" || code === "EPERM") return `no permission to write in ${dirname(file)}`;
    if (code === "ENOTDIR") return `a part of ${dirname(file)} is a file, not a folder`;
    return undefined;
  }
}

/** Runs `work` in a BEGIN IMMEDIATE transaction: the write lock is taken up front. */
export function writeTransaction<T>(db: Db, work: () => T): T {
  return db.transaction("BEGIN IMMEDIATE", work);
}

/** Runs `work` in a read transaction: one consistent snapshot across its queries. */
export function readTransaction<T>(db: Db, work: () => T): T {
  return db.transaction("BEGIN", work);
}

/** A PRAGMA's single value (`user_version`, `journal_mode`, `quick_check(1)`). */
export function pragmaValue(db: Db, pragma: string): unknown {
  const row = db.prepare<[], Record<string, unknown>>(`PRAGMA ${pragma}`).get();
  return row ? Object.values(row)[0] : undefined;
}

export function schemaVersion(db: Db): number {
  return Number(pragmaValue(db, "user_version"));
}
