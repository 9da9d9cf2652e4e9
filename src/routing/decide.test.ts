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

const DOCS = "Add docstrings to the helpers in utils.py";

const ask = (task: string, extra: Partial<Parameters<typeof decideRoute>[0]> = {}) => ({
  task,
  context: {},
  exclude: [],
  ...extra,
});

describe("decideRoute", () => {
  it("sends model work to the cheapest capable worker", () => {
    const decision = decideRoute(ask(DOCS), state());
    expect(decision).toMatchObject({
      kind: "model",
      route: "squad",
      worker: "qwen-fast",
      provider: "ollama",
      category: "docs",
    });
    expect(decision.rationale).toMatch(
      /cheapest worker clearing the 0.8 bar \(qwen-fast 0\/0 on docs/,
    );
  });

  it.each([
    ["with workers", available(["qwen-fast", "qwen-coder", "flash"])],
    ["with no usable worker", available([])],
  ])("sends a command to the squad with no worker, %s", (_, availability) => {
    const decision = decideRoute(ask("cd backend && pytest -v"), state({ availability }));
    expect(decision).toMatchObject({
      kind: "command",
      route: "squad",
      worker: null,
      provider: "shell",
      model: null,
      category: "tests",
      evidence: null,
    });
    expect(decision.rationale).toMatch(/^a shell command for spawn_squad, as given; no model/);
  });

  it("proposes the project's command for a command in words", () => {
    const kind = {
      kind: "command" as const,
      category: "tests" as const,
      commands: ["cd backend && npm test"],
      source: "backend/package.json scripts.test",
    };
    const decision = decideRoute(ask("run the backend tests", { kind }), state());
    expect(decision).toMatchObject({ kind: "command", worker: null, commands: kind.commands });
    expect(decision.rationale).toMatch(
      /the project's tests command for spawn_squad: `cd backend && npm test` \(from backend\/package.json scripts.test\)/,
    );
  });

  it("keeps a command in words the project shows no way to run with the host", () => {
    const decision = decideRoute(ask("run the backend tests"), state());
    expect(decision).toMatchObject({ kind: "host", route: "host", worker: null });
    expect(decision.rationale).toMatch(/project shows no command for it.*literal command/);
  });

  it("keeps a command that names a skill, or whose category the config keeps, with the host", () => {
    const skills = [{ name: "db-migrations", description: "Run schema migrations", path: "x" }];
    const named = decideRoute(ask("make migrate # db-migrations"), state({ skills }));
    expect(named).toMatchObject({ kind: "host", needsSkill: true });
    const kept = decideRoute(
      ask("git push origin main"),
      state({ config: { ...config, routing: { ...config.routing, hostCategories: ["git"] } } }),
    );
    expect(kept).toMatchObject({ kind: "host", category: "git" });
    expect(kept.rationale).toMatch(/routing\.hostCategories/);
  });

  it("names a skill that came close without clearing the threshold", () => {
    const skills = [
      {
        name: "acgme-compliance",
        description:
          "Validate residency schedules against ACGME duty hour rules (80-hour week, one day off in seven, 24+4 continuous duty).",
        path: "x",
      },
      { name: "pdf-forms", description: "Fill and extract PDF form fields", path: "y" },
    ];
    const near = decideRoute(ask("Summarise the duty roster for next month"), state({ skills }));
    expect(near).toMatchObject({ kind: "model", needsSkill: false });
    expect(near.possibleSkills).toEqual(["acgme-compliance"]);
    const far = decideRoute(ask("Schedule a meeting with Bob"), state({ skills }));
    expect(far.possibleSkills).toEqual([]);
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
    const once = decideRoute(ask(DOCS), state({ records: recordsAfter(1) }));
    expect(once.worker).toBe("qwen-coder");
    expect(once.fallbacks).toContain("qwen-fast");
    const twice = decideRoute(ask(DOCS), state({ records: recordsAfter(2) }));
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
    const decision = decideRoute(ask(DOCS), state({ availability: available([]) }));
    expect(decision.route).toBe("host");
    expect(decision.rationale).toMatch(/no usable worker: .*qwen-fast is down/);
  });

  it("respects exclude", () => {
    const decision = decideRoute(ask(DOCS, { exclude: ["qwen-fast"] }), state());
    expect(decision.worker).toBe("qwen-coder");
  });

  it("follows the evidence: a worker that fails the category loses it", () => {
    const records = () =>
      new Map<string, TrackRecord>([
        ["qwen-fast", { n: 6, successes: 1, failureStreak: 2, meanLatencyMs: null }],
        ["qwen-coder", { n: 6, successes: 6, failureStreak: 0, meanLatencyMs: null }],
      ]);
    const decision = decideRoute(ask(DOCS), state({ records }));
    expect(decision.worker).toBe("qwen-coder");
    expect(decision.evidence).toEqual({ n: 6, successes: 6, expected: 0.94 });
  });
});
