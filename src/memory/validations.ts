import { randomBytes } from "node:crypto";
import { type Db, writeTransaction } from "./db.js";

export interface ValidationRecord {
  id: string;
  createdAt: number;
  task: string;
  decisionId: string | null;
  pass: boolean;
  escalate: boolean;
  confidence: number;
  issues: string[];
  checks: { name: string; pass: boolean; detail: string }[];
  validator: unknown;
  outcomeId: number | null;
}

export function newValidationId(): string {
  return `v-${randomBytes(6).toString("hex")}`;
}

/** Every verdict validate_output gave, so a later look can see what it rested on. */
export function createValidationStore(db: Db) {
  const insert = db.prepare(`
    INSERT INTO validations (id, created_at, task, decision_id, pass, escalate, confidence,
      issues, checks, validator, outcome_id)
    VALUES (@id, @createdAt, @task, @decisionId, @pass, @escalate, @confidence, @issues,
      @checks, @validator, @outcomeId)`);
  const count = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM validations");
  return {
    save(record: ValidationRecord): void {
      writeTransaction(db, () =>
        insert.run({
          ...record,
          pass: record.pass ? 1 : 0,
          escalate: record.escalate ? 1 : 0,
          issues: JSON.stringify(record.issues),
          checks: JSON.stringify(record.checks),
          validator: record.validator === null ? null : JSON.stringify(record.validator),
        }),
      );
    },
    count(): number {
      return count.get()?.n ?? 0;
    },
  };
}

export type ValidationStore = ReturnType<typeof createValidationStore>;
