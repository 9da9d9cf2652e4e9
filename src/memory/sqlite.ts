import { createRequire } from "node:module";
import { errorMessage, StoreError } from "../errors.js";

/**
 * The few SQLite operations squad-mcp uses, the same on both drivers:
 * - `node:sqlite`, built into Node 22.16+ and 24: no native build, nothing to install;
 * - `better-sqlite3` 12 on older Node (20), compiled at install.
 * better-sqlite3 12 is never loaded where `node:sqlite` exists: on Node 24.19 and later its
 * statements abort the process when the garbage collector finalises them outside a context.
 */
export interface Statement<Params extends unknown[] = unknown[], Row = unknown> {
  run(...params: Params): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
}

export interface Db {
  readonly driver: SqliteDriver;
  readonly open: boolean;
  /** Whether a transaction begun by `transaction()` is running (nested calls join it). */
  readonly inTransaction: boolean;
  prepare<Params extends unknown[] = unknown[], Row = unknown>(sql: string): Statement<Params, Row>;
  exec(sql: string): void;
  /** Runs `work` between `begin` and COMMIT (ROLLBACK if it throws); joins a running one. */
  transaction<T>(begin: "BEGIN" | "BEGIN IMMEDIATE", work: () => T): T;
  close(): void;
}

export type SqliteDriver = "node:sqlite" | "better-sqlite3";

/** The part of either driver's database object we call. */
interface RawDatabase {
  prepare(sql: string): unknown;
  exec(sql: string): unknown;
  close(): void;
}

interface NodeSqliteStatement {
  setAllowUnknownNamedParameters(enabled: boolean): void;
}

type DatabaseConstructor = new (file: string, options?: object) => RawDatabase;

interface NodeSqliteModule {
  DatabaseSync: DatabaseConstructor;
  StatementSync?: { prototype: Partial<NodeSqliteStatement> };
}

let chosen: { driver: SqliteDriver; open: DatabaseConstructor } | null = null;

/**
 * `node:sqlite` when this Node has it without a flag and can ignore unknown named parameters
 * (22.16+, 23.11+, 24), else better-sqlite3.
 */
export function sqliteDriver(): { driver: SqliteDriver; open: DatabaseConstructor } {
  chosen ??= builtInSqlite() ?? betterSqlite3();
  return chosen;
}

/**
 * Opens `file` as is: no pragmas, no migrations (openDatabase adds those for the store).
 * `readOnly` opens an existing file without the right to write it.
 */
export function openSqlite(file: string, { readOnly = false } = {}): Db {
  const { driver, open } = sqliteDriver();
  const options =
    driver === "node:sqlite" ? { readOnly } : { readonly: readOnly, fileMustExist: readOnly };
  const raw = new open(file, options);
  let isOpen = true;
  let depth = 0;
  const db: Db = {
    driver,
    get open() {
      return isOpen;
    },
    get inTransaction() {
      return depth > 0;
    },
    prepare: <Params extends unknown[], Row>(sql: string) => {
      const statement = raw.prepare(sql) as Statement<Params, Row> & NodeSqliteStatement;
      // better-sqlite3 ignores object keys the SQL does not name; node:sqlite must be told to.
      if (driver === "node:sqlite") statement.setAllowUnknownNamedParameters(true);
      return withoutNul(statement);
    },
    exec: (sql) => {
      raw.exec(sql);
    },
    transaction(begin, work) {
      if (depth > 0) return work();
      raw.exec(begin);
      depth++;
      try {
        const result = work();
        raw.exec("COMMIT");
        return result;
      } catch (error) {
        rollback(raw);
        throw error;
      } finally {
        depth--;
      }
    },
    close() {
      if (!isOpen) return;
      isOpen = false;
      raw.close();
    },
  };
  return db;
}

/**
 * Binds text with NUL characters replaced by U+FFFD, the same on both drivers: SQLite's text
 * functions, FTS5 and Node 22's node:sqlite (which reads text back only up to the first NUL)
 * would each cut it there. NUL means nothing in any text squad-mcp stores.
 */
function withoutNul<Params extends unknown[], Row>(
  statement: Statement<Params, Row>,
): Statement<Params, Row> {
  const clean = (params: Params): Params =>
    params.some(holdsNul) ? (params.map(cleanParam) as Params) : params;
  return {
    run: (...params) => statement.run(...clean(params)),
    get: (...params) => statement.get(...clean(params)),
    all: (...params) => statement.all(...clean(params)),
  };
}

const NUL = "\u0000";

function holdsNul(param: unknown): boolean {
  if (typeof param === "string") return param.includes(NUL);
  if (param !== null && typeof param === "object" && !ArrayBuffer.isView(param)) {
    return Object.values(param).some((value) => typeof value === "string" && value.includes(NUL));
  }
  return false;
}

function cleanParam(param: unknown): unknown {
  if (typeof param === "string") return param.replaceAll(NUL, "\uFFFD");
  if (param !== null && typeof param === "object" && !ArrayBuffer.isView(param)) {
    return Object.fromEntries(
      Object.entries(param).map(([key, value]) => [key, cleanParam(value)]),
    );
  }
  return param;
}

function rollback(raw: RawDatabase): void {
  try {
    raw.exec("ROLLBACK");
  } catch {
    // SQLite already rolled back (a failed COMMIT under SQLITE_FULL, say): nothing to undo.
  }
}

function builtInSqlite(): { driver: SqliteDriver; open: DatabaseConstructor } | null {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (!getBuiltin) return null;
  const restore = silenceExperimentalSqliteWarning();
  try {
    const sqlite = getBuiltin("node:sqlite") as NodeSqliteModule | undefined;
    const usable =
      sqlite?.DatabaseSync &&
      typeof sqlite.StatementSync?.prototype.setAllowUnknownNamedParameters === "function";
    return usable ? { driver: "node:sqlite", open: sqlite.DatabaseSync } : null;
  } catch {
    // Node 22.5–22.12 know the module only behind --experimental-sqlite.
    return null;
  } finally {
    restore();
  }
}

/**
 * Node 22 prints "SQLite is an experimental feature" on first load; squad-mcp chose the
 * driver deliberately, so the line would only alarm whoever reads the server's stderr.
 */
function silenceExperimentalSqliteWarning(): () => void {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  return () => {
    process.emitWarning = emit;
  };
}

function betterSqlite3(): { driver: SqliteDriver; open: DatabaseConstructor } {
  try {
    const open = createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor;
    return { driver: "better-sqlite3", open };
  } catch (error) {
    const missing = (error as { code?: unknown }).code === "MODULE_NOT_FOUND";
    throw new StoreError(
      "better-sqlite3",
      missing
        ? `is not installed, and Node ${process.versions.node} has no SQLite built in`
        : `cannot be loaded on Node ${process.versions.node} (${firstLine(errorMessage(error))})`,
      missing
        ? "it is optional and its build failed or was skipped: run `npm install better-sqlite3` in squad-mcp's folder, or use Node 22.16 or later, which has SQLite built in"
        : "its native module was not built for this Node (install scripts blocked, or Node upgraded): run `npm rebuild better-sqlite3` in squad-mcp's folder (with pnpm: `pnpm approve-builds`), or use Node 22.16 or later, which has SQLite built in",
    );
  }
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}
