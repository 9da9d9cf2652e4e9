import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppContext, createContext } from "../context.js";
import type { StatsReport } from "../stats/report.js";
import { registerStatsResource, STATS_URI } from "./stats.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);

let base: string;
let ctx: AppContext;
let client: Client;
let server: McpServer;

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-stats-resource-test-")));
  const home = join(base, "home");
  mkdirSync(home);
  ctx = createContext({
    cwd: home,
    env: {
      SQUAD_HOME: home,
      HOME: home,
      OLLAMA_HOST: "http://127.0.0.1:2",
      SQUAD_LOG_LEVEL: "silent",
    },
  });
  ctx.now = () => NOW;
  for (const [daysAgo, success] of [
    [1, true],
    [2, false],
    [9, true],
  ] as const) {
    ctx.store.outcomes.log({
      decisionId: null,
      task: null,
      worker: "flash",
      category: "lint",
      success,
      score: null,
      notes: null,
      latencyMs: 50,
      tokensIn: 100_000,
      tokensOut: 10_000,
      source: "validation",
      at: NOW - daysAgo * DAY,
    });
  }
  server = new McpServer({ name: "stats-test", version: "0" });
  registerStatsResource(server, ctx);
  client = new Client({ name: "stats-test-client", version: "0" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
});

afterAll(async () => {
  await client.close();
  await server.close();
  ctx.close();
  rmSync(base, { recursive: true, force: true });
});

describe("squad://stats", () => {
  it("is listed with its title and JSON type", async () => {
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      expect.objectContaining({
        uri: STATS_URI,
        name: "stats",
        title: "Squad stats (7 days)",
        mimeType: "application/json",
      }),
    ]);
    expect(STATS_URI).toBe("squad://stats");
  });

  it("reads as the last 7 days of buildStats JSON", async () => {
    const { contents } = await client.readResource({ uri: "squad://stats" });
    expect(contents).toHaveLength(1);
    const [content] = contents;
    expect(content?.uri).toBe("squad://stats");
    expect(content?.mimeType).toBe("application/json");
    if (!content || !("text" in content)) throw new Error("squad://stats returned no text");
    const stats = JSON.parse(content.text) as StatsReport;
    expect(stats.since_ms).toBe(NOW - 7 * DAY);
    expect(stats.rows).toEqual([
      {
        worker: "flash",
        category: "lint",
        tasks: 2,
        evals: 0,
        successes: 1,
        success_rate: 0.5,
        mean_latency_ms: 50,
        tokens_in: 200_000,
        tokens_out: 20_000,
        estimated_cost_usd: 0.11, // 200000 × 0.3 + 20000 × 2.5 = 110000 µ$
      },
    ]);
    expect(stats.totals.tasks).toBe(2);
  });
});
