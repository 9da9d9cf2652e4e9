import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, type SquadConfig } from "../config.js";
import type { WorkerAvailability } from "../runners/availability.js";
import { decideRoute, type RoutingState } from "./decide.js";
import { seededRandom } from "./posterior.js";
import type { TrackRecord } from "./select.js";

const config: SquadConfig = {
  ...DEFAULT_CONFIG,
  routing: { ...DEFAULT_CONFIG.routing, exploration: 0 },
};

function available(aliases: string[], loaded: string[] = []): Map<string, WorkerAvailability> {
  return new Map(
    Object.keys(config.workers).map((alias) => [
      alias,
      aliases.includes(alias)
        ? { alias, usable: true, reason: null, loaded: loaded.includes(alias), hosts: [] }
        : { alias, usable: false, reason: `${alias} is down`, loaded: false, hosts: [] },
    ]),
  );
}

function state(overrides: Partial<RoutingState> = {}): RoutingState {
  return {
    config,
    skills: [],
    availability: available(["qwen-fast", "qwen-coder", "flash"]),
    records: () => new Map<string, TrackRecord>(),
    random: seededRandom(7),
    ...overrides,
  };
}

const ask = (task: string, extra: Partial<Parameters<typeof decideRoute>[0]> = {}) => ({
  task,
  context: {},
  exclude: [],
  ...extra,
});

describe("decideRoute", () => {
  it("sends a test run to the cheapest capable worker", () => {
    const decision = decideRoute(ask("pytest backend/tests"), state());
    expect(decision).toMatchObject({
      route: "squad",
      worker: "qwen-fast",
      provider: "ollama",
      category: "tests",
    });
    expect(decision.rationale).toMatch(
      /cheapest worker clearing the 0.8 bar \(qwen-fast 0\/0 on tests/,
    );
  });

  it("keeps skill-bound work with the host", () => {
    const skills = [
      {
        name: "acgme-compliance",
        description: "ACGME duty hour rules for residency schedules",
        path: "x",
      },
    ];
    const decision = decideRoute(
      ask("Does the new schedule break ACGME duty hour rules?"),
      state({ skills }),
    );
    expect(decision).toMatchObject({ route: "host", needsSkill: true, worker: null });
    expect(decision.rationale).toMatch(/acgme-compliance/);
  });

  it("keeps architecture with the host", () => {
    const decision = decideRoute(ask("Propose an architecture for the billing service"), state());
    expect(decision).toMatchObject({ route: "host", category: "architecture" });
  });

  it("gives an architecture question the architecture reason, noting a skill it touches", () => {
    const skills = [
      {
        name: "acgme-compliance",
        description: "ACGME duty hour rules for residency schedules",
        path: "x",
      },
    ];
    const decision = decideRoute(
      ask("Should we split the ACGME duty hour engine into microservices?"),
      state({ skills }),
    );
    expect(decision.rationale).toMatch(
      /^architecture work stays with the host .*; it also needs the host's skill: acgme-compliance/,
    );
  });

  it("keeps a new worker eligible after one failure and drops it below the bar after two", () => {
    const recordsAfter = (failures: number) => () =>
      new Map<string, TrackRecord>([
        ["qwen-fast", { n: failures, successes: 0, failureStreak: failures, meanLatencyMs: null }],
      ]);
    const once = decideRoute(ask("npm run lint"), state({ records: recordsAfter(1) }));
    expect(once.worker).toBe("qwen-coder");
    expect(once.fallbacks).toContain("qwen-fast");
    const twice = decideRoute(ask("npm run lint"), state({ records: recordsAfter(2) }));
    expect(twice.fallbacks).not.toContain("qwen-fast");
  });

  it("keeps work at or above the complexity bar with the host and lists why", () => {
    const decision = decideRoute(
      ask("Refactor the authentication layer", { context: { files: 12, requiresTests: true } }),
      state(),
    );
    expect(decision.route).toBe("host");
    expect(decision.rationale).toMatch(/complexity \d+(\.\d)? ≥ 7.*security \+2/);
  });

  it("sends complex-but-delegable work past workers whose max complexity is too low", () => {
    const decision = decideRoute(
      ask("Implement a CSV export for the report page", {
        context: { files: 3, requiresTests: true },
      }),
      state(),
    );
    expect(decision.complexity.score).toBeGreaterThan(3);
    expect(decision.worker).toBe("qwen-coder");
  });

  it("routes to the host, naming why, when no worker is usable", () => {
    const decision = decideRoute(ask("npm run lint"), state({ availability: available([]) }));
    expect(decision.route).toBe("host");
    expect(decision.rationale).toMatch(/no usable worker: .*qwen-fast is down/);
  });

  it("respects exclude", () => {
    const decision = decideRoute(ask("npm run lint", { exclude: ["qwen-fast"] }), state());
    expect(decision.worker).toBe("qwen-coder");
  });

  it("follows the evidence: a worker that fails the category loses it", () => {
    const records = () =>
      new Map<string, TrackRecord>([
        ["qwen-fast", { n: 6, successes: 1, failureStreak: 2, meanLatencyMs: null }],
        ["qwen-coder", { n: 6, successes: 6, failureStreak: 0, meanLatencyMs: null }],
      ]);
    const decision = decideRoute(ask("npm run lint"), state({ records }));
    expect(decision.worker).toBe("qwen-coder");
    expect(decision.evidence).toEqual({ n: 6, successes: 6, expected: 0.94 });
  });
});
