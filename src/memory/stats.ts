import { type Db, readTransaction } from "./db.js";

/** How one worker did on one category inside the window, from the `outcomes` table. */
export interface StatsRow {
  worker: string;
  category: string;
  /** Judged tasks (outcome rows). */
  tasks: number;
  /** Of those, outcomes `squad-mcp eval` recorded (source `eval`): measurements, not work. */
  evals: number;
  successes: number;
  /** successes ÷ tasks, 0…1. */
  success_rate: number;
  /** Mean of the outcomes that recorded a latency; null when none did. */
  mean_latency_ms: number | null;
  /**
   * Tokens as reported on the outcome rows (log_outcome, validations). They are per judged
   * task; the exact per-request spend is in `model_calls` (see `StatsCalls`), which also counts
   * retries and validator calls that no outcome carries. Missing figures count as 0.
   */
  tokens_in: number;
  tokens_out: number;
}

/** Requests to one model backend alias inside the window, from the `model_calls` table. */
export interface StatsCalls {
  worker: string;
  provider: string;
  calls: number;
  /** Requests that were answered. */
  ok: number;
  tokens_in: number;
  tokens_out: number;
}

/** The characters of output Claude Code's Bash tool shows the model (BASH_MAX_OUTPUT_LENGTH). */
export const BASH_OUTPUT_CAP = 30_000;

/** What squad-mcp's work and calls were worth to the host, and what they cost it. */
export interface HostLedger {
  /**
   * Characters the host did not read, over the tasks of runs started in the window: each
   * command's output up to BASH_OUTPUT_CAP (what its own Bash tool would have shown), each
   * prompt task's attached files.
   */
  read_avoided_chars: number;
  /** Tokens of prompt-task answers the host did not write (tasks that ended ok). */
  answer_tokens: number;
  /** Characters of code the host did not write: the added lines of applied patches. */
  written_chars: number;
  /** squad-mcp tool calls in the window, the characters of their arguments and results. */
  tool_calls: number;
  args_chars: number;
  read_chars: number;
}

export interface StatsTotals {
  ledger: HostLedger;
  /** spawn_squad runs started in the window. */
  squad_runs: number;
  /** Requests to any model backend (local or cloud), answered or not. */
  model_calls: number;
  /** Tokens of requests to cloud backends (provider other than ollama). */
  cloud_tokens_in: number;
  cloud_tokens_out: number;
}

export interface StatsSummary {
  rows: StatsRow[];
  calls: StatsCalls[];
  totals: StatsTotals;
}

interface RowRecord {
  worker: string;
  category: string;
  tasks: number;
  evals: number;
  successes: number;
  mean_latency_ms: number | null;
  tokens_in: number;
  tokens_out: number;
}

/** Read-only aggregates over outcomes, model calls and runs since a point in time. */
/** `beforeRead` writes what other stores hold queued (task updates), so the sums include it. */
export function createStatsStore(db: Db, beforeRead: () => void = () => {}) {
  const rows = db.prepare<[number], RowRecord>(`
    SELECT worker, category, count(*) AS tasks, coalesce(sum(source = 'eval'), 0) AS evals,
      coalesce(sum(success), 0) AS successes,
      avg(latency_ms) AS mean_latency_ms,
      coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out
    FROM outcomes WHERE created_at >= ?
    GROUP BY worker, category
    ORDER BY worker, category`);
  const calls = db.prepare<[number], StatsCalls>(`
    SELECT worker, provider, count(*) AS calls, coalesce(sum(ok), 0) AS ok,
      coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out
    FROM model_calls WHERE at >= ?
    GROUP BY worker, provider
    ORDER BY worker, provider`);
  const runs = db.prepare<[number], { n: number }>(
    "SELECT count(*) AS n FROM runs WHERE created_at >= ?",
  );
  // Mirrors readingAvoided() and writingAvoided() in src/squad/run-result.ts.
  const avoided = db.prepare<
    [number, number],
    { read_avoided_chars: number; answer_tokens: number }
  >(`
    SELECT
      coalesce(sum(CASE WHEN t.kind = 'command' THEN min(coalesce(t.raw_bytes, 0), ?)
        ELSE coalesce(CASE WHEN json_valid(t.detail) AND json_type(t.detail, '$.fileBytes') IN ('integer', 'real')
          THEN json_extract(t.detail, '$.fileBytes') END, 0) END), 0) AS read_avoided_chars,
      coalesce(sum(CASE WHEN t.kind = 'prompt' AND t.status = 'ok'
        THEN coalesce(t.tokens_out, 0) ELSE 0 END), 0) AS answer_tokens
    FROM run_tasks t JOIN runs r ON r.id = t.run_id
    WHERE r.created_at >= ?`);
  const toolCalls = db.prepare<
    [number],
    { tool_calls: number; args_chars: number; read_chars: number; written_chars: number }
  >(`
    SELECT count(*) AS tool_calls, coalesce(sum(args_chars), 0) AS args_chars,
      coalesce(sum(read_chars), 0) AS read_chars, coalesce(sum(written_chars), 0) AS written_chars
    FROM tool_calls WHERE at >= ?`);

  return {
    /** Everything `squad-mcp stats` shows, for rows created at or after `sinceMs` (epoch ms). */
    summary(sinceMs: number): StatsSummary {
      beforeRead();
      return readTransaction(db, () => {
        const outcomeRows = rows.all(sinceMs).map((row) => ({
          worker: row.worker,
          category: row.category,
          tasks: row.tasks,
          evals: row.evals,
          successes: row.successes,
          success_rate: row.tasks ? row.successes / row.tasks : 0,
          mean_latency_ms: row.mean_latency_ms,
          tokens_in: row.tokens_in,
          tokens_out: row.tokens_out,
        }));
        const callRows = calls.all(sinceMs);
        const cloud = callRows.filter((call) => call.provider !== "ollama");
        return {
          rows: outcomeRows,
          calls: callRows,
          totals: {
            ledger: {
              read_avoided_chars: 0,
              answer_tokens: 0,
              written_chars: 0,
              tool_calls: 0,
              args_chars: 0,
              read_chars: 0,
              ...avoided.get(BASH_OUTPUT_CAP, sinceMs),
              ...toolCalls.get(sinceMs),
            },
            squad_runs: runs.get(sinceMs)?.n ?? 0,
            model_calls: callRows.reduce((sum, call) => sum + call.calls, 0),
            cloud_tokens_in: cloud.reduce((sum, call) => sum + call.tokens_in, 0),
            cloud_tokens_out: cloud.reduce((sum, call) => sum + call.tokens_out, 0),
          },
        };
      });
    },
  };
}

export type StatsStore = ReturnType<typeof createStatsStore>;
