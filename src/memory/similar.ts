import type { Db } from "./db.js";

export interface SimilarTask {
  outcomeId: number;
  decisionId: string | null;
  task: string | null;
  worker: string;
  category: string;
  success: boolean;
  notes: string | null;
  at: number;
}

interface CandidateRow {
  rowid: number;
  body: string;
  outcome_id: number;
}

interface OutcomeRow {
  outcome_id: number;
  decision_id: string | null;
  task: string | null;
  worker: string;
  category: string;
  success: number;
  notes: string | null;
  created_at: number;
}

const STOPWORDS = new Set(
  "the and for with that this from into then than when what which where who why how are was were will would should could can not all any our your their its has have had does did done run use using make please".split(
    " ",
  ),
);

/** Lowercase words without accents, as FTS5's unicode61 tokenizer sees them. */
function plainWords(text: string): string[] {
  return (
    text
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .match(/[\p{L}\p{N}_]{3,}/gu) ?? []
  );
}

/** The task's words worth searching for, longest (usually rarest) first. */
export function distinctiveWords(text: string, max = 8): string[] {
  const words = plainWords(text);
  const distinct = [...new Set(words.filter((word) => !STOPWORDS.has(word)))];
  return distinct.sort((a, b) => b.length - a.length).slice(0, max);
}

/** Words quoted for FTS5 so none is read as query syntax. */
export function ftsQuery(words: readonly string[], join: "AND" | "OR"): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(` ${join} `);
}

/** How many candidate rows each recall query brings back for ranking. */
const STRICT_RECALL = 20;
const LOOSE_RECALL = 40;

/**
 * Recalls past tasks like a new one without ranking the whole history: FTS5 walks matches
 * newest first and stops after a few dozen (cost stays flat as outcomes pile up), once for rows
 * holding the three most distinctive words and once for rows holding any; the candidates are
 * then ranked by word overlap with the task.
 */
export function createSimilarTasks(db: Db) {
  const recall = db.prepare<[string, number], CandidateRow>(
    "SELECT rowid, body, outcome_id FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
  );
  const details = db.prepare<[number], OutcomeRow>(`
    SELECT o.id AS outcome_id, o.decision_id, d.task, o.worker, o.category, o.success, o.notes,
      o.created_at
    FROM outcomes o LEFT JOIN decisions d ON d.id = o.decision_id
    WHERE o.id = ?`);
  const merge = db.prepare<[number]>(
    "INSERT INTO memory_fts (memory_fts, rank) VALUES ('merge', ?)",
  );
  const totalChanges = db.prepare<[], { n: number }>("SELECT total_changes() AS n");

  return {
    /**
     * Merges up to `pages` pages of the search index's segments into one, across levels; true
     * while there is more to merge. A store written one outcome at a time keeps many segments,
     * and every recall reads each of them: merged, a recall over 1M outcomes takes a third of the
     * time. Each step is one short write.
     */
    tidyStep(pages = 32): boolean {
      const before = totalChanges.get()?.n ?? 0;
      merge.run(-pages);
      // FTS5 counts a step that merged nothing as one change (the command's own row).
      return (totalChanges.get()?.n ?? 0) - before >= 2;
    },

    /** Up to `limit` past tasks like this one, with how they went; one entry per task and worker. */
    find(text: string, limit = 3): SimilarTask[] {
      const words = distinctiveWords(text);
      if (words.length === 0) return [];
      const candidates = new Map<number, CandidateRow>();
      if (words.length >= 2) {
        for (const row of recall.all(ftsQuery(words.slice(0, 3), "OR"), STRICT_RECALL))
          candidates.set(row.rowid, row);
      }
      for (const row of recall.all(ftsQuery(words, "OR"), LOOSE_RECALL))
        candidates.set(row.rowid, row);
      const needed = Math.min(2, words.length);
      const ranked = [...candidates.values()]
        .map((row) => ({ row, overlap: overlap(words, row.body) }))
        .filter((scored) => scored.overlap.shared >= needed)
        .sort((a, b) => b.overlap.score - a.overlap.score || b.row.rowid - a.row.rowid);
      return pickDistinct(
        ranked.map((scored) => scored.row),
        limit,
        (id) => details.get(id),
      );
    },
  };
}

function overlap(words: readonly string[], body: string): { shared: number; score: number } {
  const bodyWords = new Set(plainWords(body));
  const shared = words.filter((word) => bodyWords.has(word)).length;
  const union = new Set([...words, ...bodyWords]).size;
  return { shared, score: union ? shared / union : 0 };
}

function pickDistinct(
  rows: CandidateRow[],
  limit: number,
  lookup: (outcomeId: number) => OutcomeRow | undefined,
): SimilarTask[] {
  const seen = new Set<string>();
  const found: SimilarTask[] = [];
  for (const candidate of rows) {
    const row = lookup(Number(candidate.outcome_id));
    if (!row) continue;
    const key = `${row.task ?? row.notes}|${row.worker}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({
      outcomeId: row.outcome_id,
      decisionId: row.decision_id,
      task: row.task,
      worker: row.worker,
      category: row.category,
      success: row.success === 1,
      notes: row.notes,
      at: row.created_at,
    });
    if (found.length === limit) break;
  }
  return found;
}
