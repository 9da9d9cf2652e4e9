import { randomBytes } from "node:crypto";
import { errorMessage } from "../errors.js";
import { type Db, writeTransaction } from "./db.js";

/**
 * A squad run and its tasks as the store keeps them. Statuses are text here: their vocabulary
 * and their reading belong to the squad (`src/squad/status.ts`, `src/squad/records.ts`). The
 * store knows one rule of its own: a run that finishes leaves its unfinished tasks
 * `interrupted` when the run was, else `cancelled`.
 */
export interface StoredRun {
  id: string;
  createdAt: number;
  finishedAt: number | null;
  status: string;
  pid: number;
  project: string;
}

export interface StoredTask {
  runId: string;
  taskId: string;
  position: number;
  kind: "command" | "prompt";
  label: string;
  status: string;
  worker: string | null;
  model: string | null;
  exitCode: number | null;
  signal: string | null;
  startedAt: number | null;
  durationMs: number | null;
  digest: string | null;
  log: string | null;
  rawBytes: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  decisionId: string | null;
  /** Extra facts about the task, as the squad wrote them (kept as JSON). */
  detail: unknown;
}

export type TaskUpdate = Partial<Omit<StoredTask, "runId" | "taskId" | "position" | "kind">>;

/** Each field's column: the one mapping between the store's records and its tables. */
const TASK_COLUMNS: Record<keyof StoredTask, string> = {
  runId: "run_id",
  taskId: "task_id",
  position: "position",
  kind: "kind",
  label: "label",
  status: "status",
  worker: "worker",
  model: "model",
  exitCode: "exit_code",
  signal: "signal",
  startedAt: "started_at",
  durationMs: "duration_ms",
  digest: "digest",
  log: "log",
  rawBytes: "raw_bytes",
  tokensIn: "tokens_in",
  tokensOut: "tokens_out",
  decisionId: "decision_id",
  detail: "detail",
};
const RUN_COLUMNS: Record<keyof StoredRun, string> = {
  id: "id",
  createdAt: "created_at",
  finishedAt: "finished_at",
  status: "status",
  pid: "pid",
  project: "project",
};

/** `column AS field, …`: rows read straight into records. */
function selectList(columns: Record<string, string>): string {
  return Object.entries(columns)
    .map(([field, column]) => (field === column ? column : `${column} AS ${field}`))
    .join(", ");
}

export function newRunId(): string {
  return `r-${randomBytes(6).toString("hex")}`;
}

/** First wait before a failed write is tried again; it doubles up to the maximum. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

/** The run store; task updates and finishes are written through `PendingRunWrites`. */
export function createRunStore(db: Db, onWriteError: (error: unknown) => void = reportWriteError) {
  const sql = prepareRunStatements(db);
  const pending = new PendingRunWrites(db, sql, onWriteError);
  return {
    start(
      run: Omit<StoredRun, "status" | "finishedAt">,
      tasks: Pick<StoredTask, "taskId" | "position" | "kind" | "label" | "worker">[],
    ): void {
      writeTransaction(db, () => {
        sql.insertRun.run(run);
        for (const task of tasks) sql.insertTask.run({ ...task, runId: run.id });
      });
    },

    updateTask(runId: string, taskId: string, update: TaskUpdate): void {
      // Tasks cancelled by shutdown finish after the store closed; the run is already marked.
      if (!db.open) return;
      pending.queueUpdate(runId, taskId, update);
    },

    /** Writes queued task updates now (before the database closes); throws when it cannot. */
    flush: (): void => pending.write(),

    finish(runId: string, status: string, at: number): void {
      if (!db.open) return;
      pending.finish(runId, status, at);
      pending.tryWrite();
    },

    get(runId: string): StoredRun | null {
      pending.tryWrite();
      const run = sql.oneRun.get(runId);
      return run ? pending.withKept(run) : null;
    },

    tasks(runId: string): StoredTask[] {
      pending.tryWrite();
      return pending.withKeptTasks(runId, sql.runTasks.all(runId).map(parseDetail));
    },

    recent(limit: number): StoredRun[] {
      pending.tryWrite();
      return sql.recentRuns.all(limit).map((run) => pending.withKept(run));
    },

    /** Marks runs whose server process is gone as interrupted; returns their ids. */
    markInterrupted(isAlive: (pid: number) => boolean, at: number): string[] {
      pending.tryWrite();
      const orphans = sql.runningRuns.all().filter((run) => !isAlive(run.pid));
      for (const run of orphans) pending.finish(run.id, "interrupted", at);
      if (orphans.length > 0) pending.tryWrite();
      return orphans.map((run) => run.id);
    },
  };
}

function prepareRunStatements(db: Db) {
  const runs = selectList(RUN_COLUMNS);
  const tasks = selectList(TASK_COLUMNS);
  return {
    insertRun: db.prepare(`
      INSERT INTO runs (id, created_at, status, pid, project)
      VALUES (@id, @createdAt, 'running', @pid, @project)`),
    insertTask: db.prepare(`
      INSERT INTO run_tasks (run_id, task_id, position, kind, label, status, worker)
      VALUES (@runId, @taskId, @position, @kind, @label, 'pending', @worker)`),
    finishRun: db.prepare(
      "UPDATE runs SET status = ?, finished_at = ? WHERE id = ? AND status = 'running'",
    ),
    oneRun: db.prepare<[string], StoredRun>(`SELECT ${runs} FROM runs WHERE id = ?`),
    runTasks: db.prepare<[string], StoredTask>(
      `SELECT ${tasks} FROM run_tasks WHERE run_id = ? ORDER BY position`,
    ),
    runningRuns: db.prepare<[], StoredRun>(`SELECT ${runs} FROM runs WHERE status = 'running'`),
    // A run cancelled by the host cancels its unfinished tasks; one whose server stopped
    // leaves them interrupted.
    abandonTasks: db.prepare(`
      UPDATE run_tasks
      SET status = CASE @status WHEN 'interrupted' THEN 'interrupted' ELSE 'cancelled' END,
        digest = coalesce(digest, CASE @status WHEN 'interrupted'
          THEN '${INTERRUPTED}' ELSE 'cancelled' END)
      WHERE run_id = @runId AND status IN ('pending', 'running')`),
    recentRuns: db.prepare<[number], StoredRun>(
      `SELECT ${runs} FROM runs ORDER BY created_at DESC LIMIT ?`,
    ),
  };
}

type RunStatements = ReturnType<typeof prepareRunStatements>;
type Statement = ReturnType<Db["prepare"]>;

interface QueuedUpdate {
  statement: Statement;
  runId: string;
  taskId: string;
  update: TaskUpdate;
  values: Record<string, unknown>;
}

/**
 * Task updates are queued and written together, in one transaction per turn of the event loop:
 * a squad of short commands makes two updates per task, and a transaction each cost more than
 * the task's own bookkeeping. Every read through the store writes the queue first.
 *
 * A write that fails (the disk is full, the database is locked past its timeout) is kept and
 * tried again until it succeeds, and reads show the kept writes over what the database holds:
 * a run's results are never lost to, nor left `running` by, a write that failed for a while.
 */
class PendingRunWrites {
  /** One prepared UPDATE per set of columns an update sets. */
  private readonly updates = new Map<string, Statement>();
  private readonly queued: QueuedUpdate[] = [];
  /** Runs whose finish could not be written yet. */
  private readonly finishes = new Map<string, { status: string; at: number }>();
  private flushTimer: NodeJS.Immediate | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = RETRY_FIRST_MS;
  private failing = false;

  constructor(
    private readonly db: Db,
    private readonly sql: RunStatements,
    private readonly onWriteError: (error: unknown) => void,
  ) {}

  queueUpdate(runId: string, taskId: string, update: TaskUpdate): void {
    const keys = (Object.keys(update) as (keyof TaskUpdate)[]).filter(
      (key) => update[key] !== undefined,
    );
    if (keys.length === 0) return;
    const values: Record<string, unknown> = { runId, taskId };
    for (const key of keys) {
      const value = update[key];
      values[key] = key === "detail" ? JSON.stringify(value) : value;
    }
    this.queued.push({ statement: this.updateStatement(keys), runId, taskId, update, values });
    if (this.retryTimer === null) this.flushTimer ??= setImmediate(() => this.tryWrite());
  }

  finish(runId: string, status: string, at: number): void {
    this.finishes.set(runId, { status, at });
  }

  /** Writes the queue and any kept finishes; throws (keeping them) when the database refuses. */
  write(): void {
    if (this.flushTimer !== null) {
      clearImmediate(this.flushTimer);
      this.flushTimer = null;
    }
    if (!this.db.open || (this.queued.length === 0 && this.finishes.size === 0)) return;
    const batch = this.queued.splice(0);
    const finished = [...this.finishes];
    try {
      writeTransaction(this.db, () => {
        for (const { statement, values } of batch) statement.run(values);
        for (const [runId, { status, at }] of finished) {
          this.sql.finishRun.run(status, at, runId);
          this.sql.abandonTasks.run({ status, runId });
        }
      });
    } catch (error) {
      this.queued.unshift(...batch);
      throw error;
    }
    for (const [runId] of finished) this.finishes.delete(runId);
    if (this.failing) {
      this.failing = false;
      this.retryMs = RETRY_FIRST_MS;
    }
  }

  /** Writes what it can; a failure is reported once per spell and tried again later. */
  tryWrite(): void {
    try {
      this.write();
    } catch (error) {
      if (!this.failing) this.onWriteError(error);
      this.failing = true;
      this.retryLater();
    }
  }

  /** The run as written, with a finish that could not be written yet. */
  withKept(run: StoredRun): StoredRun {
    const finish = this.finishes.get(run.id);
    return finish && run.status === "running"
      ? { ...run, status: finish.status, finishedAt: finish.at }
      : run;
  }

  /** The tasks as written, with the updates (and finish) that could not be written yet. */
  withKeptTasks(runId: string, tasks: StoredTask[]): StoredTask[] {
    const byId = new Map(tasks.map((task) => [task.taskId, task]));
    for (const kept of this.queued) {
      const task = kept.runId === runId ? byId.get(kept.taskId) : undefined;
      if (task) Object.assign(task, definedOnly(kept.update));
    }
    const finish = this.finishes.get(runId);
    if (finish) {
      const interrupted = finish.status === "interrupted";
      for (const task of tasks) {
        if (task.status === "pending" || task.status === "running") {
          task.status = interrupted ? "interrupted" : "cancelled";
          task.digest ??= interrupted ? INTERRUPTED : "cancelled";
        }
      }
    }
    return tasks;
  }

  private retryLater(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      this.tryWrite();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private updateStatement(keys: (keyof TaskUpdate)[]): Statement {
    const signature = keys.join(",");
    let statement = this.updates.get(signature);
    if (!statement) {
      const sets = keys.map((key) => `${TASK_COLUMNS[key]} = @${key}`).join(", ");
      statement = this.db.prepare(
        `UPDATE run_tasks SET ${sets} WHERE run_id = @runId AND task_id = @taskId`,
      );
      this.updates.set(signature, statement);
    }
    return statement;
  }
}

const INTERRUPTED = "interrupted: the server running it stopped";

function definedOnly(update: TaskUpdate): TaskUpdate {
  return Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined));
}

export type RunStore = ReturnType<typeof createRunStore>;

/** A queued write that failed with no caller left to throw to (the database is locked or full). */
function reportWriteError(error: unknown): void {
  const message = errorMessage(error);
  process.stderr.write(`squad-mcp error: could not save task results: ${message}\n`);
}

/** The task with its detail read back from JSON. */
function parseDetail(task: StoredTask): StoredTask {
  task.detail = typeof task.detail === "string" ? JSON.parse(task.detail) : null;
  return task;
}
