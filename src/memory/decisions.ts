import { randomBytes } from "node:crypto";
import { type Db, writeTransaction } from "./db.js";

export interface DecisionRecord {
  id: string;
  createdAt: number;
  task: string;
  context: unknown;
  prefer: string | null;
  route: "host" | "squad";
  worker: string | null;
  provider: string;
  model: string | null;
  category: string;
  complexity: number;
  needsSkill: boolean;
  skills: string[];
  confidence: number;
  rationale: string;
  fallbacks: string[];
}

interface DecisionRow {
  id: string;
  created_at: number;
  task: string;
  context: string | null;
  prefer: string | null;
  route: "host" | "squad";
  worker: string | null;
  provider: string;
  model: string | null;
  category: string;
  complexity: number;
  needs_skill: number;
  skills: string;
  confidence: number;
  rationale: string;
  fallbacks: string;
}

export function newDecisionId(): string {
  return `d-${randomBytes(8).toString("hex")}`;
}

export function createDecisionStore(db: Db) {
  const insert = db.prepare(`
    INSERT INTO decisions (id, created_at, task, context, prefer, route, worker, provider, model,
      category, complexity, needs_skill, skills, confidence, rationale, fallbacks)
    VALUES (@id, @created_at, @task, @context, @prefer, @route, @worker, @provider, @model,
      @category, @complexity, @needs_skill, @skills, @confidence, @rationale, @fallbacks)`);
  const byId = db.prepare<[string], DecisionRow>("SELECT * FROM decisions WHERE id = ?");

  return {
    save(decision: DecisionRecord): void {
      const row: DecisionRow = {
        id: decision.id,
        created_at: decision.createdAt,
        task: decision.task,
        context: decision.context === undefined ? null : JSON.stringify(decision.context),
        prefer: decision.prefer,
        route: decision.route,
        worker: decision.worker,
        provider: decision.provider,
        model: decision.model,
        category: decision.category,
        complexity: decision.complexity,
        needs_skill: decision.needsSkill ? 1 : 0,
        skills: JSON.stringify(decision.skills),
        confidence: decision.confidence,
        rationale: decision.rationale,
        fallbacks: JSON.stringify(decision.fallbacks),
      };
      writeTransaction(db, () => insert.run(row));
    },

    get(id: string): DecisionRecord | undefined {
      const row = byId.get(id);
      return row && fromRow(row);
    },
  };
}

function fromRow(row: DecisionRow): DecisionRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    task: row.task,
    context: row.context === null ? undefined : JSON.parse(row.context),
    prefer: row.prefer,
    route: row.route,
    worker: row.worker,
    provider: row.provider,
    model: row.model,
    category: row.category,
    complexity: row.complexity,
    needsSkill: row.needs_skill === 1,
    skills: JSON.parse(row.skills) as string[],
    confidence: row.confidence,
    rationale: row.rationale,
    fallbacks: JSON.parse(row.fallbacks) as string[],
  };
}

export type DecisionStore = ReturnType<typeof createDecisionStore>;
