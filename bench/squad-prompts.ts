import { Ollama } from "ollama";
import { DEFAULT_CONFIG } from "../src/config.js";
import {
  CHARS_PER_TOKEN,
  type FakeOllama,
  type FakeReply,
  startFakeOllama,
} from "../test/fakes/ollama.js";
import { callOk } from "../test/support/server.js";
import { startSquadServer, timeSquad } from "./squad-server.js";
import { progress, round, type Summary, summarize } from "./stats.js";

export interface PromptBatchSettings {
  prompts: number;
  loadTimeMs: number;
  tokensPerSecond: number;
  /** Characters of every answer (the fake streams four characters per token). */
  replyChars: number;
  /** spawn_squad runs, each with a fresh fake and server. */
  squadRuns: number;
}

export interface PromptWorker {
  alias: string;
  model: string;
  contextWindow: number;
}

export interface SquadPromptRun {
  wallMs: number;
  loads: number;
  /** Models in the order they were loaded. */
  loadOrder: string[];
}

export interface PromptBatch {
  settings: PromptBatchSettings;
  workers: PromptWorker[];
  squad: SquadPromptRun[];
  /** Median wall time of the spawn_squad runs. */
  makespan: Summary;
  /** The same requests one at a time, in submission order, straight to the fake. */
  firstComeFirstServed: DirectRun;
  /**
   * The lower bound, measured: the same requests straight to the fake, one at a time, grouped
   * by model (one load each, then its generations back to back), with no server in between.
   */
  lowerBound: DirectRun;
  /** The bound from the fake's settings alone: models × load time + Σ tokens ÷ tokensPerSecond. */
  nominalLowerBoundMs: number;
  /** Median makespan ÷ the measured lower bound. */
  ratio: number;
  /** Median makespan ÷ the nominal lower bound. */
  nominalRatio: number;
}

export interface DirectRun {
  wallMs: number;
  loads: number;
}

interface PromptTask {
  worker: PromptWorker;
  prompt: string;
}

/** The default config's Ollama workers: three aliases on three different models. */
export function defaultOllamaWorkers(): PromptWorker[] {
  return Object.entries(DEFAULT_CONFIG.workers)
    .filter(([, worker]) => worker.provider === "ollama")
    .map(([alias, worker]) => ({
      alias,
      model: worker.model,
      contextWindow: worker.contextWindow,
    }));
}

/**
 * `prompts` prompts interleaved over the Ollama workers (a, b, c, a, b, c, …) on a fake Ollama
 * that holds one model at a time: through spawn_squad, against first-come-first-served.
 */
export async function benchPromptBatch(settings: PromptBatchSettings): Promise<PromptBatch> {
  const workers = defaultOllamaWorkers();
  const tasks = Array.from({ length: settings.prompts }, (_, i): PromptTask => {
    const worker = workers[i % workers.length] as PromptWorker;
    return { worker, prompt: `Task ${i + 1}: answer in one line.` };
  });

  const squad: SquadPromptRun[] = [];
  for (let run = 1; run <= settings.squadRuns; run++) {
    const result = await squadOnce(settings, workers, tasks);
    squad.push(result);
    progress(
      `${settings.prompts} prompts over ${workers.length} models, spawn_squad ${run}/${settings.squadRuns}: ${result.wallMs.toFixed(0)} ms, ${result.loads} loads`,
    );
  }

  const firstComeFirstServed = await sendDirect(settings, workers, tasks);
  progress(
    `… first-come-first-served, one at a time: ${firstComeFirstServed.wallMs.toFixed(0)} ms, ${firstComeFirstServed.loads} loads`,
  );
  const grouped = workers.flatMap((worker) => tasks.filter((task) => task.worker === worker));
  const lowerBound = await sendDirect(settings, workers, grouped);
  progress(
    `… grouped by model, straight to the fake (lower bound): ${lowerBound.wallMs.toFixed(0)} ms, ${lowerBound.loads} loads`,
  );
  const tokens = Math.ceil(settings.replyChars / CHARS_PER_TOKEN);
  const nominalLowerBoundMs =
    workers.length * settings.loadTimeMs +
    (settings.prompts * tokens * 1000) / settings.tokensPerSecond;
  const makespan = summarize(squad.map((run) => run.wallMs));
  return {
    settings,
    workers,
    squad,
    makespan,
    firstComeFirstServed,
    lowerBound,
    nominalLowerBoundMs: round(nominalLowerBoundMs),
    ratio: round(makespan.p50 / lowerBound.wallMs),
    nominalRatio: round(makespan.p50 / nominalLowerBoundMs),
  };
}

/** `tasks` in the given order, one at a time, straight to a fresh fake with the ollama client. */
async function sendDirect(
  settings: PromptBatchSettings,
  workers: PromptWorker[],
  tasks: readonly PromptTask[],
): Promise<DirectRun> {
  const fake = await startFake(settings, workers);
  try {
    const client = new Ollama({ host: fake.url });
    const started = performance.now();
    for (const task of tasks) await chat(client, task.worker, task.prompt);
    return { wallMs: round(performance.now() - started), loads: fake.loads.length };
  } finally {
    await fake.close();
  }
}

async function squadOnce(
  settings: PromptBatchSettings,
  workers: PromptWorker[],
  tasks: readonly PromptTask[],
): Promise<SquadPromptRun> {
  const fake = await startFake(settings, workers);
  const server = await startSquadServer(fake.url);
  try {
    // The first route_task probes the host (cached for probeTtlMs), as in a session under way.
    await callOk(server.client, "route_task", { task: "warm up: list the files" });
    const loadsBefore = fake.loads.length;
    const timed = await timeSquad(
      server.client,
      tasks.map((task) => ({ prompt: task.prompt, worker: task.worker.alias })),
    );
    const loadOrder = fake.loads.slice(loadsBefore);
    return { wallMs: round(timed.wallMs), loads: loadOrder.length, loadOrder };
  } finally {
    await server.close();
    await fake.close();
  }
}

function startFake(settings: PromptBatchSettings, workers: PromptWorker[]): Promise<FakeOllama> {
  const reply: FakeReply = "x".repeat(settings.replyChars);
  return startFakeOllama({
    models: workers.map((worker) => ({ name: worker.model, contextLength: worker.contextWindow })),
    maxLoadedModels: 1,
    loadTimeMs: settings.loadTimeMs,
    tokensPerSecond: settings.tokensPerSecond,
    reply: () => reply,
  });
}

/** One request as the server's Ollama runner sends it: streamed, its num_ctx and keep_alive. */
async function chat(client: Ollama, worker: PromptWorker, prompt: string): Promise<void> {
  const stream = await client.chat({
    model: worker.model,
    messages: [{ role: "user", content: prompt }],
    stream: true,
    options: { num_ctx: worker.contextWindow },
    keep_alive: DEFAULT_CONFIG.ollama.keepAlive,
  });
  for await (const part of stream) if (part.done) return;
  throw new Error(`no done chunk from the fake for ${worker.model}`);
}
