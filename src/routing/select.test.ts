import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { seededRandom } from "./posterior.js";
import { type Candidate, chooseWorker, type SelectionPolicy, type TrackRecord } from "./select.js";

const workers = DEFAULT_CONFIG.workers;
const candidate = (alias: keyof typeof workers & string, loaded = false): Candidate => {
  const worker = workers[alias];
  if (!worker) throw new Error(alias);
  return { alias, worker, loaded };
};
const policy: SelectionPolicy = {
  qualityBar: 0.8,
  exploration: 0,
  failureStreak: 3,
  prior: () => ({ alpha: 4, beta: 1 }),
  prefer: undefined,
  random: seededRandom(1),
};
const record = (successes: number, n: number, failureStreak = 0): TrackRecord => ({
  n,
  successes,
  failureStreak,
  meanLatencyMs: null,
});

describe("chooseWorker", () => {
  it("chooses the cheapest candidate that clears the bar", () => {
    const selection = chooseWorker(
      [candidate("flash"), candidate("qwen-coder"), candidate("pro")],
      new Map(),
      policy,
    );
    expect(selection.chosen?.alias).toBe("qwen-coder");
    expect(selection.fallbacks.map((f) => f.alias)).toEqual(["flash", "pro"]);
  });

  it("prefers a loaded model when cost is equal (a swap costs tens of seconds)", () => {
    const selection = chooseWorker(
      [candidate("qwen-fast"), candidate("qwen-coder", true)],
      new Map(),
      policy,
    );
    expect(selection.chosen?.alias).toBe("qwen-coder");
  });

  it("passes over a worker whose record fell below the bar", () => {
    const records = new Map([["qwen-coder", record(1, 4)]]);
    const selection = chooseWorker([candidate("qwen-coder"), candidate("flash")], records, policy);
    expect(selection.chosen?.alias).toBe("flash");
    expect(selection.passedOver).toEqual([{ alias: "qwen-coder", reason: "0.56 < bar 0.8" }]);
  });

  it("passes over a worker after three failures in a row on the category", () => {
    const records = new Map([["qwen-coder", record(40, 43, 3)]]);
    const selection = chooseWorker([candidate("qwen-coder"), candidate("flash")], records, policy);
    expect(selection.chosen?.alias).toBe("flash");
    expect(selection.passedOver[0]?.reason).toBe("3 failures in a row");
  });

  it("returns no choice when nobody clears the bar", () => {
    const records = new Map([["flash", record(0, 5)]]);
    expect(chooseWorker([candidate("flash")], records, policy).chosen).toBeNull();
  });

  it("honours prefer: cloud and says so when it cannot", () => {
    const both = [candidate("qwen-coder"), candidate("flash")];
    expect(chooseWorker(both, new Map(), { ...policy, prefer: "cloud" }).chosen?.alias).toBe(
      "flash",
    );
    const onlyLocal = chooseWorker([candidate("qwen-coder")], new Map(), {
      ...policy,
      prefer: "cloud",
    });
    expect(onlyLocal.chosen?.alias).toBe("qwen-coder");
    expect(onlyLocal.preferenceNote).toMatch(/no usable cloud worker/);
  });

  it("counts a free OpenAI-compatible server as local and haiku as cloud", () => {
    const haiku = candidate("haiku");
    const lmstudio: Candidate = {
      alias: "lmstudio",
      worker: {
        provider: "openai",
        model: "qwen2.5-coder-7b-instruct",
        maxComplexity: 3,
        contextWindow: 32_768,
        price: { input: 0, output: 0 },
        tokensPerSecond: 60,
      },
      loaded: false,
    };
    const both = [haiku, lmstudio];
    const choose = (prefer: "local" | "cloud") =>
      chooseWorker(both, new Map(), { ...policy, prefer }).chosen?.alias;
    expect(choose("local")).toBe("lmstudio");
    expect(choose("cloud")).toBe("haiku");
  });

  it("prefer: fastest picks the quickest, counting a model load", () => {
    const selection = chooseWorker([candidate("qwen-coder"), candidate("flash-lite")], new Map(), {
      ...policy,
      prefer: "fastest",
    });
    expect(selection.chosen?.alias).toBe("flash-lite");
  });

  it("explores with a seeded posterior draw, reproducibly", () => {
    const records = new Map([["qwen-fast", record(2, 4)]]);
    const run = () =>
      Array.from({ length: 200 }, (_, i) =>
        chooseWorker([candidate("qwen-fast"), candidate("flash")], records, {
          ...policy,
          exploration: 0.5,
          random: seededRandom(i),
        }),
      );
    const first = run();
    const explored = first.filter((s) => s.explored);
    // qwen-fast's mean (6/9 = 0.67) is under the bar, so it is only ever chosen by a lucky draw.
    const qwenPicks = first.filter((s) => s.chosen?.alias === "qwen-fast");
    expect(explored.length).toBeGreaterThan(60);
    expect(explored.length).toBeLessThan(140);
    expect(qwenPicks.length).toBeGreaterThan(0);
    expect(qwenPicks.every((s) => s.explored)).toBe(true);
    expect(run().map((s) => s.chosen?.alias)).toEqual(first.map((s) => s.chosen?.alias));
  });
});
