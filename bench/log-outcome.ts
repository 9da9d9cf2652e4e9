import { join } from "node:path";
import { openSqlite } from "../src/memory/sqlite.js";
import { callOk, type RunningServer, startServer } from "../test/support/server.js";
import { progress } from "./stats.js";
import { pick, type Random, seededRandom } from "./tasks.js";
import { scratchDir } from "./workspace.js";

const WORKERS = ["qwen-fast", "qwen-coder", "qwen-moe", "flash-lite", "flash", "pro", "host"];
const CATEGORIES = ["command", "tests", "lint", "typecheck", "explore", "codegen", "docs", "debug"];

export interface Throughput {
  servers: number;
  calls: number;
  ms: number;
  callsPerSecond: number;
  /** Rows in `outcomes` afterwards, read by a separate read-only connection. */
  rows: number;
}

/**
 * `servers` server processes on one SQUAD_HOME, each sent `callsEach` log_outcome calls in
 * sequence (worker+category form), all servers at once.
 */
export async function logOutcomeThroughput(
  servers: number,
  callsEach: number,
  ollamaHost: string,
): Promise<Throughput> {
  const home = scratchDir(`log-${servers}-home`);
  const env = {
    OLLAMA_HOST: ollamaHost,
    HOME: scratchDir(`log-${servers}-user`),
    SQUAD_LOG_LEVEL: "warn",
  };
  const running: RunningServer[] = [];
  try {
    // Started one after another: the first creates the schema, as when a host starts a session.
    for (let i = 0; i < servers; i++) running.push(await startServer({ home, env }));
    const started = performance.now();
    await Promise.all(
      running.map((server, index) =>
        logMany(server, callsEach, seededRandom(1_000 + index), index),
      ),
    );
    const ms = performance.now() - started;
    const calls = servers * callsEach;
    return { servers, calls, ms, callsPerSecond: (calls / ms) * 1000, rows: countRows(home) };
  } finally {
    await Promise.all(running.map((server) => server.close()));
  }
}

async function logMany(server: RunningServer, count: number, random: Random, index: number) {
  for (let i = 0; i < count; i++) {
    await callOk(server.client, "log_outcome", {
      worker: pick(random, WORKERS),
      category: pick(random, CATEGORIES),
      success: random() < 0.85,
      score: Math.round(random() * 100) / 100,
      notes: random() < 0.5 ? `bench server ${index} call ${i}: fine after one retry` : undefined,
      latency_ms: Math.floor(random() * 20_000),
      tokens_in: Math.floor(random() * 5_000),
      tokens_out: Math.floor(random() * 1_500),
    });
    if ((i + 1) % 500 === 0) progress(`log_outcome: server ${index + 1}: ${i + 1}/${count}`);
  }
}

function countRows(home: string): number {
  const db = openSqlite(join(home, "squad.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT count(*) AS n FROM outcomes").get() as { n: number } | undefined;
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}
