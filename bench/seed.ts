import { join } from "node:path";
import { CATEGORIES } from "../src/config.js";
import type { BenchStore, StoreModule } from "./dist.js";
import { loadDist } from "./dist.js";
import { outcomeNote, pick, type Random, seededRandom, type TaskText, TaskTexts } from "./tasks.js";

interface SeedWorker {
  alias: string;
  provider: "ollama" | "gemini" | "host";
  model: string | null;
  /** How often its work holds up, before per-category noise. */
  skill: number;
  msPerTask: number;
}

/** The default config's workers, plus the host doing work itself. */
const WORKERS: SeedWorker[] = [
  {
    alias: "qwen-fast",
    provider: "ollama",
    model: "qwen2.5-coder:7b",
    skill: 0.8,
    msPerTask: 4_000,
  },
  {
    alias: "qwen-coder",
    provider: "ollama",
    model: "qwen2.5-coder:32b",
    skill: 0.88,
    msPerTask: 15_000,
  },
  { alias: "qwen-moe", provider: "ollama", model: "qwen3:30b-a3b", skill: 0.85, msPerTask: 7_000 },
  {
    alias: "flash-lite",
    provider: "gemini",
    model: "gemini-2.5-flash-lite",
    skill: 0.82,
    msPerTask: 2_000,
  },
  { alias: "flash", provider: "gemini", model: "gemini-2.5-flash", skill: 0.9, msPerTask: 3_500 },
  { alias: "pro", provider: "gemini", model: "gemini-2.5-pro", skill: 0.94, msPerTask: 12_000 },
  { alias: "host", provider: "host", model: null, skill: 0.95, msPerTask: 20_000 },
];

export interface SeedOptions {
  outcomes: number;
  distinctTasks: number;
  /** Share of outcomes logged with worker+category instead of a decision id. */
  withoutDecision: number;
  seed: number;
}

export interface SeedResult {
  file: string;
  outcomes: number;
  decisions: number;
  distinctTasks: number;
  ms: number;
  /** The task sentences stored, and the generator that made them, for realistic queries. */
  sentences: TaskText[];
  texts: TaskTexts;
  random: Random;
}

const DAY_MS = 86_400_000;

/**
 * Fills `<home>/squad.db` through the compiled store, the same code path log_outcome uses, in
 * one transaction (each store call joins it) so 100k rows take seconds.
 */
export async function seedMemory(home: string, options: SeedOptions): Promise<SeedResult> {
  const { openStore } = await loadDist<StoreModule>("memory/store.js");
  const file = join(home, "squad.db");
  const store = openStore(file);
  const started = performance.now();
  try {
    const random = seededRandom(options.seed);
    const texts = new TaskTexts(random);
    const tasks = texts.distinctSentences(options.distinctTasks);
    const fitness = categoryFitness(random);
    let decisions = 0;
    store.db.transaction("BEGIN IMMEDIATE", () => {
      const start = Date.now() - 90 * DAY_MS;
      const step = (90 * DAY_MS) / options.outcomes;
      for (let i = 0; i < options.outcomes; i++) {
        const task = texts.withNoise(pick(random, tasks));
        const worker = pick(random, WORKERS);
        const at = Math.round(start + i * step);
        const success =
          random() < (fitness.get(`${worker.alias}|${task.category}`) ?? worker.skill);
        // Shaped like the server's ids (d- and 10 hex digits) but unique by construction.
        const decisionId =
          random() < options.withoutDecision ? null : `d-${i.toString(16).padStart(10, "0")}`;
        if (decisionId) {
          saveDecision(store, decisionId, task.text, task.category, worker, at);
          decisions++;
        }
        store.outcomes.log({
          decisionId,
          task: decisionId ? task.text : null,
          worker: worker.alias,
          category: task.category,
          success,
          score: random() < 0.6 ? Math.round(random() * 100) / 100 : null,
          notes: outcomeNote(texts, random),
          latencyMs: Math.round(worker.msPerTask * (0.5 + random())),
          tokensIn: 500 + Math.floor(random() * 6_000),
          tokensOut: 100 + Math.floor(random() * 2_000),
          source: "host",
          at,
        });
      }
    });
    return {
      file,
      outcomes: store.outcomes.count(),
      decisions,
      distinctTasks: tasks.length,
      ms: performance.now() - started,
      sentences: tasks,
      texts,
      random,
    };
  } finally {
    store.close();
  }
}

function saveDecision(
  store: BenchStore,
  id: string,
  task: string,
  category: string,
  worker: SeedWorker,
  at: number,
): void {
  const isHost = worker.provider === "host";
  store.decisions.save({
    id,
    createdAt: at - 1_000,
    task,
    context: undefined,
    prefer: null,
    route: isHost ? "host" : "squad",
    worker: isHost ? null : worker.alias,
    provider: worker.provider,
    model: worker.model,
    category,
    complexity: 3,
    needsSkill: false,
    skills: [],
    confidence: worker.skill,
    rationale: "seeded by the bench",
    fallbacks: [],
  });
}

/** Each worker is a bit better or worse at each category than its overall skill. */
function categoryFitness(random: Random): Map<string, number> {
  const fitness = new Map<string, number>();
  for (const worker of WORKERS) {
    for (const category of CATEGORIES) {
      const rate = worker.skill + (random() - 0.5) * 0.2;
      fitness.set(`${worker.alias}|${category}`, Math.min(0.99, Math.max(0.4, rate)));
    }
  }
  return fitness;
}
