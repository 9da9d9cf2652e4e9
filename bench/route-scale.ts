/**
 * How `route_task` grows with the outcomes stored: 10k, 100k and 1M outcomes, each in a fresh
 * SQUAD_HOME, timed in the server over the SDK's in-memory transport. Part of `npm run bench`;
 * alone: `npm run build && node build/bench/route-scale.js`.
 */
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { startFakeOllama } from "../test/fakes/ollama.js";
import { latency, markdownTable, ms, type Row, thousands, verdict } from "./report.js";
import { openContext, routeInMemory } from "./route.js";
import { seedMemory } from "./seed.js";
import { progress, round, type Summary } from "./stats.js";
import { pick, type TaskText } from "./tasks.js";
import { scratchDir } from "./workspace.js";

export const SCALE_SIZES = [10_000, 100_000, 1_000_000] as const;
const CALLS = 1_000;
const WARMUP = 300;
const SEED = 20_240_601;
export const SCALE_BUDGET_P99_MS = 5;

export interface ScalePoint {
  outcomes: number;
  seedMs: number;
  /** From a tools/call reaching the server's transport to its answer. */
  server: Summary;
  /** Share of calls that recalled at least one similar past task. */
  withSimilar: number;
}

export async function measureRouteScaling(
  ollamaUrl: string,
  sizes: readonly number[] = SCALE_SIZES,
): Promise<ScalePoint[]> {
  const points: ScalePoint[] = [];
  for (const outcomes of sizes) {
    const home = scratchDir(`route-scale-${outcomes}`);
    try {
      const seeded = await seedMemory(home, {
        outcomes,
        distinctTasks: 400,
        withoutDecision: 0.1,
        seed: SEED,
      });
      progress(`stored ${thousands(seeded.outcomes)} outcomes in ${ms(seeded.ms)}`);
      const query = (): TaskText =>
        seeded.random() < 0.5
          ? seeded.texts.withNoise(pick(seeded.random, seeded.sentences))
          : seeded.texts.withNoise(seeded.texts.sentence());
      const warmup = Array.from({ length: WARMUP }, query);
      const timed = Array.from({ length: CALLS }, query);
      const ctx = await openContext(home, ollamaUrl);
      try {
        const run = await routeInMemory(ctx, warmup, timed);
        points.push({
          outcomes,
          seedMs: round(seeded.ms),
          server: run.server,
          withSimilar: run.withSimilar,
        });
        progress(`${thousands(outcomes)} outcomes: in the server ${latency(run.server)}`);
      } finally {
        ctx.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  return points;
}

export function scaleRows(points: readonly ScalePoint[]): Row[] {
  return points.map((point) => ({
    measure: `\`route_task\` in the server with ${thousands(point.outcomes)} outcomes stored (${thousands(CALLS)} calls; ${Math.round(point.withSimilar * 100)} % recalled similar tasks)`,
    figure: latency(point.server),
    budget: `≤ ${SCALE_BUDGET_P99_MS} ms p99`,
    result: verdict(point.server.p99, SCALE_BUDGET_P99_MS),
  }));
}

async function main(): Promise<void> {
  const ollama = await startFakeOllama({
    models: [{ name: "qwen2.5-coder:7b" }, { name: "qwen2.5-coder:32b" }],
  });
  try {
    const points = await measureRouteScaling(ollama.url);
    process.stdout.write(`${markdownTable(scaleRows(points))}\n`);
  } finally {
    await ollama.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
