import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { type PlannedTask, planSquad, type TaskInput } from "./plan.js";
import { type Finished, type ScheduledTask, SquadScheduler } from "./scheduler.js";
import type { FinalTaskStatus } from "./status.js";

const QWEN_FAST = DEFAULT_CONFIG.workers["qwen-fast"] ?? fail("the default config has qwen-fast");

function fail(message: string): never {
  throw new Error(message);
}

interface Result extends Finished {
  why?: string;
}

/** Drives a scheduler whose "work" resolves when the test says, recording what happened. */
function harness(
  inputs: TaskInput[],
  options: {
    concurrency?: number;
    failFast?: boolean;
    models?: Record<string, string>;
    /** Per alias, a provider other than ollama and how many requests it may have in flight. */
    apis?: Record<string, { provider: "openai" | "anthropic"; maxConcurrent: number }>;
  } = {},
) {
  const planned = planSquad(inputs, DEFAULT_CONFIG);
  const tasks: ScheduledTask[] = planned.map((task: PlannedTask) =>
    task.kind === "command"
      ? task
      : {
          ...task,
          route: {
            alias: task.worker ?? "qwen-fast",
            provider: options.apis?.[task.worker ?? ""]?.provider ?? ("ollama" as const),
            model: options.models?.[task.id] ?? "m:latest",
            worker: DEFAULT_CONFIG.workers[task.worker ?? "qwen-fast"] ?? QWEN_FAST,
            decisionId: null,
          },
        },
  );
  const outcomes = new Map<string, FinalTaskStatus>();
  const reasons = new Map<string, string>();
  const started: string[] = [];
  const hostsAsked: (string | null)[] = [];
  const running = new Map<
    string,
    { finish: (status: FinalTaskStatus) => void; signal: AbortSignal }
  >();
  let peak = 0;
  const controller = new AbortController();
  const work = (id: string, signal: AbortSignal) =>
    new Promise<Result>((resolve) => {
      running.set(id, { finish: (status) => resolve({ status }), signal });
      peak = Math.max(peak, running.size);
      signal.addEventListener("abort", () => resolve({ status: "cancelled" }), { once: true });
    }).finally(() => running.delete(id));
  const scheduler = new SquadScheduler<Result>(
    tasks,
    {
      runCommand: (task, signal) => work(task.id, signal),
      runPrompt: (task, host, signal) => {
        hostsAsked.push(host);
        return work(task.id, signal);
      },
      settle: (_task, status, why) => ({ status, why }),
      onStart: (task) => started.push(task.id),
      onFinish: (task, result) => {
        outcomes.set(task.id, result.status);
        if (result.why) reasons.set(task.id, result.why);
      },
      ollamaHosts: () => [
        { host: "h1", models: ["a:latest", "b:latest", "c:latest", "m:latest"], loaded: [] },
      ],
    },
    {
      commandConcurrency: options.concurrency ?? 4,
      geminiConcurrency: 2,
      aliasConcurrency: (alias) => options.apis?.[alias]?.maxConcurrent ?? 2,
      ollama: { maxLoaded: 1, numParallel: 1 },
      failFast: options.failFast ?? false,
      signal: controller.signal,
    },
  );
  const done = scheduler.run();
  const finish = async (id: string, status: FinalTaskStatus = "ok") => {
    const task = running.get(id);
    if (!task) throw new Error(`${id} is not running (running: ${[...running.keys()].join(", ")})`);
    task.finish(status);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    done,
    finish,
    started,
    outcomes,
    reasons,
    running,
    hostsAsked,
    controller,
    peak: () => peak,
  };
}

describe("SquadScheduler", () => {
  it("keeps each openai or anthropic alias within its own maxConcurrent", async () => {
    const h = harness(
      [
        { id: "p1", prompt: "a", worker: "sonnet" },
        { id: "p2", prompt: "b", worker: "sonnet" },
        { id: "p3", prompt: "c", worker: "sonnet" },
        { id: "h1", prompt: "d", worker: "haiku" },
        { id: "h2", prompt: "e", worker: "haiku" },
      ],
      {
        apis: {
          sonnet: { provider: "anthropic", maxConcurrent: 2 },
          haiku: { provider: "anthropic", maxConcurrent: 1 },
        },
      },
    );
    expect(h.started).toEqual(["p1", "p2", "h1"]);
    expect(h.hostsAsked).toEqual([null, null, null]);
    await h.finish("p1");
    expect(h.started).toEqual(["p1", "p2", "h1", "p3"]);
    await h.finish("h1");
    expect(h.started).toEqual(["p1", "p2", "h1", "p3", "h2"]);
    for (const id of ["p2", "p3", "h2"]) await h.finish(id);
    await h.done;
    expect(h.peak()).toBe(3);
  });

  it("starts a task only when everything in its after succeeded, and skips dependents of a failure", async () => {
    const h = harness([
      { id: "build", command: "make" },
      { id: "test", command: "make test", after: ["build"] },
      { id: "deploy", command: "make deploy", after: ["test"] },
      { id: "lint", command: "make lint", after: ["build"] },
    ]);
    expect(h.started).toEqual(["build"]);
    await h.finish("build");
    expect(h.started).toEqual(["build", "test", "lint"]);
    await h.finish("test", "failed");
    await h.finish("lint");
    await h.done;
    expect(Object.fromEntries(h.outcomes)).toEqual({
      build: "ok",
      test: "failed",
      deploy: "skipped",
      lint: "ok",
    });
    expect(h.reasons.get("deploy")).toContain("test ended failed");
  });

  it("skips the whole chain behind a failure, naming the task each one waited on", async () => {
    const h = harness([
      { id: "a", command: "a" },
      { id: "b", command: "b", after: ["a"] },
      { id: "c", command: "c", after: ["b"] },
      { id: "d", command: "d", after: ["c"] },
      { id: "e", command: "e" },
    ]);
    await h.finish("a", "failed");
    await h.finish("e");
    await h.done;
    expect(h.started).toEqual(["a", "e"]);
    expect(Object.fromEntries(h.outcomes)).toEqual({
      a: "failed",
      b: "skipped",
      c: "skipped",
      d: "skipped",
      e: "ok",
    });
    expect(h.reasons.get("b")).toContain("a ended failed");
    expect(h.reasons.get("d")).toContain("c ended skipped");
  });

  it("never runs more commands at once than the concurrency", async () => {
    const h = harness(
      Array.from({ length: 7 }, (_, i) => ({ id: `c${i}`, command: "true" })),
      { concurrency: 3 },
    );
    expect(h.running.size).toBe(3);
    for (let i = 0; i < 7; i++) await h.finish(`c${i}`);
    await h.done;
    expect(h.peak()).toBe(3);
    expect([...h.outcomes.values()].every((status) => status === "ok")).toBe(true);
  });

  it("with fail_fast, cancels running work and skips the rest at the first failure", async () => {
    const h = harness(
      [
        { id: "a", command: "x" },
        { id: "b", command: "y" },
        { id: "c", command: "z" },
      ],
      { concurrency: 2, failFast: true },
    );
    await h.finish("a", "failed");
    await h.done;
    expect(Object.fromEntries(h.outcomes)).toEqual({ a: "failed", b: "cancelled", c: "skipped" });
  });

  it("cancels running tasks and marks pending ones cancelled when the caller aborts", async () => {
    const h = harness([
      { id: "a", command: "x" },
      { id: "b", command: "y", after: ["a"] },
    ]);
    h.controller.abort();
    await h.done;
    expect(Object.fromEntries(h.outcomes)).toEqual({ a: "cancelled", b: "cancelled" });
  });

  it("batches interleaved prompts by model: one switch per distinct model", async () => {
    const models: Record<string, string> = {};
    const inputs: TaskInput[] = Array.from({ length: 9 }, (_, i) => {
      models[`p${i}`] = ["a:latest", "b:latest", "c:latest"][i % 3] ?? "a:latest";
      return { id: `p${i}`, prompt: `job ${i}` };
    });
    const h = harness(inputs, { models });
    const order: string[] = [];
    while (h.running.size > 0) {
      const [id] = [...h.running.keys()];
      if (!id) break;
      order.push(models[id] ?? "?");
      await h.finish(id);
    }
    await h.done;
    const switches = order.filter((model, i) => model !== order[i - 1]).length;
    expect(order).toHaveLength(9);
    expect(switches).toBe(3);
    expect(h.hostsAsked.every((host) => host === "h1")).toBe(true);
  });

  it("sends an Ollama prompt for a model no usable host has to the runner without a host", async () => {
    const h = harness([{ id: "p", prompt: "hi" }], { models: { p: "missing:latest" } });
    expect(h.hostsAsked).toEqual([null]);
    await h.finish("p", "error");
    await h.done;
  });
});
