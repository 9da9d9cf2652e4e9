import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { callOk, startServer } from "../test/support/server.js";
import type {
  BenchContext,
  ContextModule,
  RouteTaskModule,
  ServerModule,
  SimilarModule,
} from "./dist.js";
import { loadDist } from "./dist.js";
import { ms } from "./report.js";
import { progress, type Summary, summarize, timeEach } from "./stats.js";
import type { TaskText } from "./tasks.js";
import { scratchDir } from "./workspace.js";

export interface RouteRun {
  summary: Summary;
  /** How the timed calls were routed, e.g. { "squad:qwen-fast": 812, "host": 1188 }. */
  routes: Record<string, number>;
  /** Share of timed calls that came back with at least one similar past task. */
  withSimilar: number;
}

function serverEnv(ollamaHost: string): Record<string, string> {
  return { OLLAMA_HOST: ollamaHost, HOME: scratchDir("route-user"), SQUAD_LOG_LEVEL: "warn" };
}

/** route_task timed from the client: SDK client → stdio → dist/cli.js → stdio → client. */
export async function routeOverStdio(
  home: string,
  ollamaHost: string,
  warmup: readonly TaskText[],
  timed: readonly TaskText[],
  label = "stdio",
): Promise<RouteRun> {
  const server = await startServer({ home, env: serverEnv(ollamaHost) });
  try {
    return await timeRouting(server.client, warmup, timed, label);
  } finally {
    await server.close();
  }
}

export interface InServerRun extends RouteRun {
  /** From a tools/call reaching the server's transport to the server sending its answer. */
  server: Summary;
}

/**
 * The same calls with the compiled server and an SDK client in this process, linked by the
 * SDK's in-memory transport: no pipes, no JSON framing. `summary` is what the client saw;
 * `server` is the server's own share, timed at its end of the transport.
 */
export async function routeInMemory(
  ctx: BenchContext,
  warmup: readonly TaskText[],
  timed: readonly TaskText[],
): Promise<InServerRun> {
  const { createServer } = await loadDist<ServerModule>("server.js");
  const server = createServer(ctx);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const serverTimes = timeServerSide(serverSide);
  const client = new Client({ name: "squad-bench", version: "0" });
  await client.connect(clientSide);
  try {
    const run = await timeRouting(client, warmup, timed, "in-memory MCP", serverTimes.reset);
    return { ...run, server: summarize(serverTimes.samples) };
  } finally {
    await client.close();
    await server.close();
  }
}

/** Wraps the server's end of the transport to time each tools/call from arrival to answer. */
function timeServerSide(transport: InMemoryTransport): { samples: number[]; reset: () => void } {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error("the server did not attach to its transport");
  const arrived = new Map<string | number, number>();
  const samples: number[] = [];
  transport.onmessage = (message, extra) => {
    if ("method" in message && "id" in message && message.method === "tools/call") {
      arrived.set(message.id, performance.now());
    }
    deliver(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const id = "id" in message && !("method" in message) ? message.id : undefined;
    const at = id === undefined ? undefined : arrived.get(id);
    if (id !== undefined && at !== undefined) {
      samples.push(performance.now() - at);
      arrived.delete(id);
    }
    return send(message, options);
  };
  return { samples, reset: () => samples.splice(0) };
}

async function timeRouting(
  client: Client,
  warmup: readonly TaskText[],
  timed: readonly TaskText[],
  label: string,
  afterWarmup?: () => void,
): Promise<RouteRun> {
  for (const task of warmup) await callOk(client, "route_task", { task: task.text });
  afterWarmup?.();
  progress(`route_task (${label}): warmed up with ${warmup.length} calls, timing ${timed.length}`);
  const routes: Record<string, number> = {};
  let withSimilar = 0;
  const samples = await timeEach(timed.length, async (i) => {
    const task = timed[i] as TaskText;
    const result = await callOk(client, "route_task", { task: task.text });
    const key = result.route === "squad" ? `squad:${String(result.worker)}` : "host";
    routes[key] = (routes[key] ?? 0) + 1;
    if (Array.isArray(result.similar) && result.similar.length > 0) withSimilar++;
    if ((i + 1) % 500 === 0) progress(`route_task (${label}): ${i + 1}/${timed.length}`);
  });
  return { summary: summarize(samples), routes, withSimilar: withSimilar / timed.length };
}

export interface RouteBreakdown {
  /** routeTask() called directly: the handler's work without MCP, zod or JSON. */
  handler: Summary;
  /** Its parts, each timed alone over the same tasks. */
  availability: Summary;
  skills: Summary;
  profiles: Summary;
  similar: Summary;
  /** How many indexed rows hold any of a task's distinctive words: what a full ranking scores. */
  ftsMatches: Summary;
  saveDecision: Summary;
}

/**
 * A context on `home` built by the compiled server's own createContext, with the similar-task
 * index merged as a running server merges it in the background within seconds of starting:
 * timings are of that steady state, not of the seeding's leftovers.
 */
export async function openContext(home: string, ollamaHost: string): Promise<BenchContext> {
  const { createContext } = await loadDist<ContextModule>("context.js");
  const ctx = createContext({ cwd: home, env: { ...serverEnv(ollamaHost), SQUAD_HOME: home } });
  const started = performance.now();
  let steps = 0;
  while (ctx.store.similar.tidyStep()) steps++;
  if (steps > 0)
    progress(`merged the search index in ${steps} steps, ${ms(performance.now() - started)}`);
  return ctx;
}

/** Where route_task's time goes inside the server, piece by piece. */
export async function routeBreakdown(
  ctx: BenchContext,
  warmup: readonly TaskText[],
  timed: readonly TaskText[],
): Promise<RouteBreakdown> {
  const { routeTask } = await loadDist<RouteTaskModule>("routing/route-task.js");
  const similarModule = await loadDist<SimilarModule>("memory/similar.js");
  const request = (task: TaskText) => ({ task: task.text, context: {}, exclude: [] });
  for (const task of warmup) await routeTask(ctx, request(task));
  const at = (i: number) => timed[i] as TaskText;
  const n = timed.length;
  progress(`route_task (in process): timing routeTask() and its parts over ${n} tasks`);
  const handler = await timeEach(n, (i) => routeTask(ctx, request(at(i))));
  const availability = await timeEach(n, () => ctx.availability.snapshot());
  const skills = await timeEach(n, () => ctx.skills());
  const profiles = await timeEach(n, (i) => ctx.store.outcomes.profilesFor(at(i).category));
  const similar = await timeEach(n, (i) => ctx.store.similar.find(at(i).text));
  const ftsMatches = countMatches(ctx, similarModule, timed);
  const saveDecision = await timeEach(n, (i) =>
    ctx.store.decisions.save({
      id: `d-bench${i.toString(16).padStart(6, "0")}`,
      createdAt: Date.now(),
      task: at(i).text,
      context: {},
      prefer: null,
      route: "squad",
      worker: "qwen-fast",
      provider: "ollama",
      model: "qwen2.5-coder:7b",
      category: at(i).category,
      complexity: 2,
      needsSkill: false,
      skills: [],
      confidence: 0.9,
      rationale: "bench: timing the decision insert alone",
      fallbacks: ["qwen-coder"],
    }),
  );
  return {
    handler: summarize(handler),
    availability: summarize(availability),
    skills: summarize(skills),
    profiles: summarize(profiles),
    similar: summarize(similar),
    ftsMatches: summarize(ftsMatches),
    saveDecision: summarize(saveDecision),
  };
}

function countMatches(
  ctx: BenchContext,
  similar: SimilarModule,
  tasks: readonly TaskText[],
): number[] {
  const count = ctx.store.db.prepare<[string], { n: number }>(
    "SELECT count(*) AS n FROM memory_fts WHERE memory_fts MATCH ?",
  );
  return tasks.map((task) => {
    const words = similar.distinctiveWords(task.text);
    return words.length ? (count.get(similar.ftsQuery(words, "OR"))?.n ?? 0) : 0;
  });
}
