import { type Db, writeTransaction } from "./db.js";

export interface ModelCallRecord {
  at: number;
  worker: string;
  provider: string;
  model: string;
  host: string | null;
  ok: boolean;
  tokensIn: number | null;
  tokensOut: number | null;
  latencyMs: number;
  error: string | null;
  runId: string | null;
  taskId: string | null;
}

/** Every request to a model backend: what it cost and how it ended, answered or not. */
export function createModelCallStore(db: Db) {
  const insert = db.prepare(`
    INSERT INTO model_calls (at, worker, provider, model, host, ok, tokens_in, tokens_out,
      latency_ms, error, run_id, task_id)
    VALUES (@at, @worker, @provider, @model, @host, @ok, @tokensIn, @tokensOut, @latencyMs,
      @error, @runId, @taskId)`);
  const forRun = db.prepare<[string], { worker: string; ok: number; tokens_in: number | null }>(
    "SELECT worker, ok, tokens_in FROM model_calls WHERE run_id = ? ORDER BY id",
  );
  return {
    record(call: ModelCallRecord): void {
      if (!db.open) return;
      writeTransaction(db, () => insert.run({ ...call, ok: call.ok ? 1 : 0 }));
    },
    forRun(runId: string) {
      return forRun.all(runId);
    },
  };
}

export type ModelCallStore = ReturnType<typeof createModelCallStore>;
