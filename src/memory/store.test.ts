import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pragmaValue } from "./db.js";
import { SCHEMA_VERSION } from "./migrations.js";
import type { OutcomeInput } from "./outcomes.js";
import { openSqlite } from "./sqlite.js";
import { openStore } from "./store.js";

const dbFile = () => join(mkdtempSync(join(tmpdir(), "store-")), "squad.db");
const outcome = (over: Partial<OutcomeInput> = {}): OutcomeInput => ({
  decisionId: null,
  task: null,
  worker: "qwen-fast",
  category: "tests",
  success: true,
  score: null,
  notes: null,
  latencyMs: null,
  tokensIn: null,
  tokensOut: null,
  source: "host",
  at: 1_000,
  ...over,
});

describe("store", () => {
  it("opens in WAL mode with a busy timeout at the current schema version", () => {
    const store = openStore(dbFile());
    expect(pragmaValue(store.db, "journal_mode")).toBe("wal");
    expect(pragmaValue(store.db, "busy_timeout")).toBeGreaterThanOrEqual(5000);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    store.close();
  });

  it("migrates once: reopening keeps the data", () => {
    const file = dbFile();
    const first = openStore(file);
    first.outcomes.log(outcome());
    first.close();
    const second = openStore(file);
    expect(second.outcomes.count()).toBe(1);
    second.close();
  });

  it("refuses a database from a newer squad-mcp", () => {
    const file = dbFile();
    openStore(file).close();
    const raw = openSqlite(file);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openStore(file)).toThrow(/newer than this squad-mcp/);
  });

  it("keeps the per-worker aggregate current with every outcome, including the failure streak", () => {
    const store = openStore(dbFile());
    store.outcomes.log(
      outcome({ success: true, latencyMs: 100, tokensIn: 10, tokensOut: 5, score: 1 }),
    );
    store.outcomes.log(outcome({ success: false, latencyMs: 300, score: 0.5 }));
    const { profile } = store.outcomes.log(outcome({ success: false }));
    expect(profile).toMatchObject({
      n: 3,
      successes: 1,
      failureStreak: 2,
      meanLatencyMs: 200,
      meanScore: 0.75,
      tokensIn: 10,
    });
    const reset = store.outcomes.log(outcome({ success: true })).profile;
    expect(reset.failureStreak).toBe(0);
    expect(store.outcomes.profilesFor("tests").get("qwen-fast")?.n).toBe(4);
    expect(store.outcomes.profilesFor("lint").size).toBe(0);
    store.close();
  });

  it("finds similar past tasks through their text and notes", () => {
    const store = openStore(dbFile());
    const save = (id: string, task: string) =>
      store.decisions.save({
        id,
        createdAt: 1,
        task,
        context: {},
        prefer: null,
        route: "squad",
        worker: "qwen-fast",
        provider: "ollama",
        model: "m",
        category: "tests",
        complexity: 0,
        needsSkill: false,
        skills: [],
        confidence: 0.8,
        rationale: "r",
        fallbacks: [],
      });
    save("d-1", "run the backend pytest suite");
    save("d-2", "add docstrings to utils");
    store.outcomes.log(
      outcome({
        decisionId: "d-1",
        task: "run the backend pytest suite",
        notes: "two flaky tests in test_swaps",
      }),
    );
    store.outcomes.log(
      outcome({ decisionId: "d-2", task: "add docstrings to utils", category: "docs" }),
    );
    store.outcomes.log(
      outcome({ notes: "ruff found unused imports", category: "lint", success: false }),
    );
    const similar = store.similar.find("pytest the backend please");
    expect(similar.map((s) => s.decisionId)).toEqual(["d-1"]);
    expect(similar[0]?.notes).toBe("two flaky tests in test_swaps");
    expect(store.similar.find("unused imports")[0]).toMatchObject({
      decisionId: null,
      success: false,
    });
    expect(store.similar.find('"; DROP TABLE outcomes; --')).toEqual([]);
    store.close();
  });

  it("merges the search index's segments a step at a time and recalls the same tasks after", () => {
    const store = openStore(dbFile());
    for (let i = 0; i < 300; i++) {
      store.outcomes.log(
        outcome({ notes: `lint pass ${i} of module m${i % 17} found ${i} issues` }),
      );
    }
    const before = store.similar.find("lint module m3 issues", 5);
    expect(before).toHaveLength(5);
    let steps = 0;
    while (store.similar.tidyStep(4)) steps++;
    // 300 one-row writes leave several segments; merging four pages at a time takes a few steps.
    expect(steps).toBeGreaterThan(0);
    expect(store.similar.tidyStep(4)).toBe(false);
    expect(store.similar.find("lint module m3 issues", 5)).toEqual(before);
    store.db.exec("INSERT INTO memory_fts (memory_fts) VALUES ('integrity-check')");
    store.close();
  });

  it("recalls an old similar task buried under many newer ones sharing only common words", () => {
    const store = openStore(dbFile());
    store.outcomes.log(
      outcome({
        task: null,
        notes: "migrating the billing ledger to postgres broke rounding",
        success: false,
      }),
    );
    for (let i = 0; i < 2_000; i++) {
      store.outcomes.log(
        outcome({ notes: `fixed the unit tests for module ${i} after the rename` }),
      );
    }
    const found = store.similar.find("migrate the billing ledger tables and fix the tests");
    expect(found[0]?.notes).toBe("migrating the billing ledger to postgres broke rounding");
    expect(store.similar.find("ledger")).toHaveLength(1);
    store.close();
  });
});
