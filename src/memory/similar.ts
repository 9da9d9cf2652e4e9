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

interface SimilarRow {
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

/** The most telling words of a task, quoted for FTS5 so no word is read as query syntax. */
export function ftsQuery(text: string, maxTerms = 8): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? [];
  const distinct = [...new Set(words.filter((word) => !STOPWORDS.has(word)))];
  const terms = distinct.sort((a, b) => b.length - a.length).slice(0, maxTerms);
  return terms.length ? terms.map((term) => `"${term}"`).join(" OR ") : null;
}

export function createSimilarTasks(db: Db) {
  const search = db.prepare<[string, number], SimilarRow>(`
    SELECT o.id AS outcome_id, o.decision_id, d.task, o.worker, o.category, o.success, o.notes,
      o.created_at
    FROM (SELECT outcome_id, rank FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rank LIMIT ?) f
    JOIN outcomes o ON o.id = f.outcome_id
    LEFT JOIN decisions d ON d.id = o.decision_id
    ORDER BY f.rank`);

  return {
    /** Up to `limit` past tasks like this one, with how they went; one entry per task text. */
    find(text: string, limit = 3): SimilarTask[] {
      const query = ftsQuery(text);
      if (!query) return [];
      const seen = new Set<string>();
      const found: SimilarTask[] = [];
      for (const row of search.all(query, limit * 4)) {
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
    },
  };
}
