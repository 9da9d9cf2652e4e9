import { type Db, openDatabase, schemaVersion } from "./db.js";
import { createDecisionStore } from "./decisions.js";
import { createOutcomeStore } from "./outcomes.js";
import { createSimilarTasks } from "./similar.js";

/** Everything squad-mcp remembers, behind one handle. */
export interface Store {
  readonly file: string;
  readonly db: Db;
  readonly decisions: ReturnType<typeof createDecisionStore>;
  readonly outcomes: ReturnType<typeof createOutcomeStore>;
  readonly similar: ReturnType<typeof createSimilarTasks>;
  schemaVersion(): number;
  close(): void;
}

export function openStore(file: string): Store {
  const db = openDatabase(file);
  return {
    file,
    db,
    decisions: createDecisionStore(db),
    outcomes: createOutcomeStore(db),
    similar: createSimilarTasks(db),
    schemaVersion: () => schemaVersion(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}
