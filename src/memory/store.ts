import { type CommandGroupStore, createCommandGroupStore } from "./command-groups.js";
import { type Db, openDatabase, schemaVersion } from "./db.js";
import { createDecisionStore } from "./decisions.js";
import { type DatabaseHealth, databaseHealth } from "./health.js";
import { createModelCallStore } from "./model-calls.js";
import { createOutcomeStore } from "./outcomes.js";
import { createQuotaStore, type QuotaStore } from "./quota.js";
import { createRunStore } from "./runs.js";
import { createSimilarTasks } from "./similar.js";
import { createSpecStore, type SpecStore } from "./specs.js";
import { createStatsStore, type StatsStore } from "./stats.js";
import { createToolCallStore } from "./tool-calls.js";
import { createValidationStore } from "./validations.js";

/** Everything squad-mcp remembers, behind one handle. */
export interface Store {
  readonly file: string;
  readonly db: Db;
  readonly decisions: ReturnType<typeof createDecisionStore>;
  readonly outcomes: ReturnType<typeof createOutcomeStore>;
  readonly similar: ReturnType<typeof createSimilarTasks>;
  /** Gemini requests per alias per day, and cooldowns after a spent daily quota. */
  readonly quota: QuotaStore;
  readonly runs: ReturnType<typeof createRunStore>;
  /** Process groups of running commands, per server process. */
  readonly commandGroups: CommandGroupStore;
  readonly modelCalls: ReturnType<typeof createModelCallStore>;
  readonly validations: ReturnType<typeof createValidationStore>;
  /** Code Specs (CS-001, …) per project and their Code Reports. */
  readonly specs: SpecStore;
  /** What each tool call cost the host to write and read. */
  readonly toolCalls: ReturnType<typeof createToolCallStore>;
  /** Read-only aggregates for `squad-mcp stats` and `squad://stats`. */
  readonly stats: StatsStore;
  schemaVersion(): number;
  /** File and WAL sizes, schema version, journal mode, rows per table, quick_check; read-only. */
  health(): DatabaseHealth;
  close(): void;
}

export function openStore(file: string): Store {
  const db = openDatabase(file);
  const runs = createRunStore(db);
  return {
    file,
    db,
    decisions: createDecisionStore(db),
    outcomes: createOutcomeStore(db),
    similar: createSimilarTasks(db),
    quota: createQuotaStore(db),
    runs,
    commandGroups: createCommandGroupStore(db),
    modelCalls: createModelCallStore(db),
    validations: createValidationStore(db),
    specs: createSpecStore(db),
    toolCalls: createToolCallStore(db),
    stats: createStatsStore(db, runs.flush),
    schemaVersion: () => schemaVersion(db),
    health: () => databaseHealth(db, file),
    close: () => {
      if (!db.open) return;
      try {
        runs.flush();
      } finally {
        db.close();
      }
    },
  };
}
