import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../test/support/server.js";
import { loadConfig } from "../config.js";
import type { WorkerAvailability } from "../runners/availability.js";
import { decideRoute, type RoutingState } from "./decide.js";
import { seededRandom } from "./posterior.js";
import type { TrackRecord } from "./select.js";

const EXAMPLE = join(PACKAGE_ROOT, "examples", "hierarchical-orchestrator.json");

/** The example as a user gets it: SQUAD_CONFIG pointing at the shipped file. */
function exampleState(): RoutingState {
  const { config } = loadConfig({ cwd: PACKAGE_ROOT, env: { SQUAD_CONFIG: EXAMPLE } });
  const usable = new Map<string, WorkerAvailability>(
    Object.keys(config.workers).map((alias) => [
      alias,
      { alias, usable: true, reason: null, loaded: false, hosts: [] },
    ]),
  );
  return {
    config: { ...config, routing: { ...config.routing, exploration: 0 } },
    skills: [],
    availability: usable,
    records: () => new Map<string, TrackRecord>(),
    random: seededRandom(1),
  };
}

const route = (task: string, context: Parameters<typeof decideRoute>[0]["context"] = {}) =>
  decideRoute({ task, context, exclude: [] }, exampleState());

describe("examples/hierarchical-orchestrator.json", () => {
  it("has exactly the matrix's workers, sonnet as validator", () => {
    const { config } = exampleState();
    expect(Object.keys(config.workers).sort()).toEqual([
      "glm-coder",
      "haiku",
      "qwen-moe",
      "sonnet",
    ]);
    expect(config.workers["glm-coder"]).toMatchObject({
      provider: "openai",
      apiKeyEnv: "CEREBRAS_API_KEY",
    });
    expect(config.roles.validator).toBe("sonnet");
  });

  it("sends 0–2 to the local MoE model", () => {
    const decision = route("Add docstrings to the helpers in utils.py");
    expect(decision.complexity.score).toBeLessThanOrEqual(2);
    expect(decision).toMatchObject({ worker: "qwen-moe", provider: "ollama" });
  });

  it("sends 2–4 code to the OpenAI-compatible fast coder", () => {
    const decision = route("Write a function parseDuration in src/time.ts", {
      requiresTests: true,
    });
    expect(decision.complexity.score).toBeGreaterThan(2);
    expect(decision.complexity.score).toBeLessThanOrEqual(4);
    expect(decision.category).toBe("codegen");
    expect(decision).toMatchObject({ worker: "glm-coder", provider: "openai" });
  });

  it("sends 2–4 non-code to haiku", () => {
    const decision = route("Update the README and the changelog for the new flags", { files: 12 });
    expect(decision.complexity.score).toBeGreaterThan(2);
    expect(decision.complexity.score).toBeLessThanOrEqual(4);
    expect(decision.category).toBe("docs");
    expect(decision).toMatchObject({ worker: "haiku", provider: "anthropic" });
  });

  it("sends 4–7 to sonnet", () => {
    const decision = route("Refactor the session store to remove the race condition", { files: 3 });
    expect(decision.complexity.score).toBeGreaterThan(4);
    expect(decision.complexity.score).toBeLessThan(7);
    expect(decision).toMatchObject({ worker: "sonnet", provider: "anthropic" });
  });

  it("keeps 7 and above with the host", () => {
    const decision = route(
      "Refactor the auth layer to remove the race condition in token refresh",
      {
        files: 14,
        requiresTests: true,
      },
    );
    expect(decision.complexity.score).toBeGreaterThanOrEqual(7);
    expect(decision).toMatchObject({ route: "host", worker: null });
  });
});
