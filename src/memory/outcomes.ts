import { type Db, writeTransaction } from "./db.js";

export interface OutcomeInput {
  decisionId: string | null;
  /** The task the outcome answers, indexed for "what happened last time". */
  task: string | null;
  worker: string;
  category: string;
  success: boolean;
  score: number | null;
  notes: string | null;
  latencyMs: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  /** Who reported it: the host, a validation, an evaluation run. */
  source: "host" | "validation" | "eval";
  at: number;
}

/** The running aggregate for one worker on one category. */
export interface Profile {
  worker: string;
  category: string;
  n: number;
  successes: number;
  meanScore: number | null;
  meanLatencyMs: number | null;
  tokensIn: number;
  tokensOut: number;
  failureStreak: number;
  lastAt: number;
}

interface ProfileRow {
  worker: string;
  category: string;
  n: number;
  successes: number;
  score_sum: number;
  score_n: number;
  latency_sum: number;
  latency_n: number;
  tokens_in: number;
  tokens_out: number;
  failure_streak: number;
  last_at: number;
}

export function createOutcomeStore(db: Db) {
  const insertOutcome = db.prepare(`
    INSERT INTO outcomes (decision_id, worker, category, success, score, notes, latency_ms,
      tokens_in, tokens_out, source, created_at)
    VALUES (@decisionId, @worker, @category, @success, @score, @notes, @latencyMs,
      @tokensIn, @tokensOut, @source, @at)`);
  const upsertProfile = db.prepare(`
    INSERT INTO profiles (worker, category, n, successes, score_sum, score_n, latency_sum,
      latency_n, tokens_in, tokens_out, failure_streak, last_at)
    VALUES (@worker, @category, 1, @success, coalesce(@score, 0), @score IS NOT NULL,
      coalesce(@latencyMs, 0), @latencyMs IS NOT NULL, coalesce(@tokensIn, 0),
      coalesce(@tokensOut, 0), 1 - @success, @at)
    ON CONFLICT (worker, category) DO UPDATE SET
      n = n + 1,
      successes = successes + excluded.successes,
      score_sum = score_sum + excluded.score_sum,
      score_n = score_n + excluded.score_n,
      latency_sum = latency_sum + excluded.latency_sum,
      latency_n = latency_n + excluded.latency_n,
      tokens_in = tokens_in + excluded.tokens_in,
      tokens_out = tokens_out + excluded.tokens_out,
      failure_streak = CASE WHEN excluded.successes = 1 THEN 0 ELSE failure_streak + 1 END,
      last_at = max(last_at, excluded.last_at)`);
  const indexText = db.prepare("INSERT INTO memory_fts (body, outcome_id) VALUES (?, ?)");
  const oneProfile = db.prepare<[string, string], ProfileRow>(
    "SELECT * FROM profiles WHERE worker = ? AND category = ?",
  );
  const categoryProfiles = db.prepare<[string], ProfileRow>(
    "SELECT * FROM profiles WHERE category = ?",
  );
  const countOutcomes = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outcomes");

  return {
    /** Records the outcome and updates its aggregate in one IMMEDIATE transaction. */
    log(input: OutcomeInput): { outcomeId: number; profile: Profile } {
      return writeTransaction(db, () => {
        const row = { ...input, success: input.success ? 1 : 0 };
        const outcomeId = Number(insertOutcome.run(row).lastInsertRowid);
        upsertProfile.run(row);
        const body = [input.task, input.notes].filter(Boolean).join("\n");
        if (body) indexText.run(body, outcomeId);
        const profile = oneProfile.get(input.worker, input.category);
        if (!profile) throw new Error("profile row missing right after its upsert");
        return { outcomeId, profile: toProfile(profile) };
      });
    },

    profile(worker: string, category: string): Profile | undefined {
      const row = oneProfile.get(worker, category);
      return row && toProfile(row);
    },

    /** Every worker's aggregate for one category, keyed by worker. */
    profilesFor(category: string): Map<string, Profile> {
      return new Map(categoryProfiles.all(category).map((row) => [row.worker, toProfile(row)]));
    },

    count(): number {
      return countOutcomes.get()?.n ?? 0;
    },
  };
}

function toProfile(row: ProfileRow): Profile {
  return {
    worker: row.worker,
    category: row.category,
    n: row.n,
    successes: row.successes,
    meanScore: row.score_n ? row.score_sum / row.score_n : null,
    meanLatencyMs: row.latency_n ? row.latency_sum / row.latency_n : null,
    tokensIn: row.tokens_in,
    tokensOut: row.tokens_out,
    failureStreak: row.failure_streak,
    lastAt: row.last_at,
  };
}

export type OutcomeStore = ReturnType<typeof createOutcomeStore>;
