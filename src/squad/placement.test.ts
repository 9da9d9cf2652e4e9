import { describe, expect, it } from "vitest";
import { type HostSlots, type ModelDemand, placeOllamaWork } from "./placement.js";

const host = (name: string, models: string[], loaded: string[] = []): HostSlots => ({
  host: name,
  models,
  loaded: [...loaded],
  running: new Map(),
});

const demandOf = (entries: [string, number, number?][]) =>
  new Map<string, ModelDemand>(
    entries.map(([model, ready, chain]) => [model, { model, ready, chain: chain ?? 0 }]),
  );

const ONE = { maxLoaded: 1, numParallel: 1 };

describe("placeOllamaWork", () => {
  it("keeps the loaded model busy before switching to one with more ready work", () => {
    const hosts = [host("a", ["x:latest", "y:latest"], ["x:latest"])];
    const starts = placeOllamaWork(
      hosts,
      demandOf([
        ["x:latest", 1],
        ["y:latest", 9],
      ]),
      ONE,
    );
    expect(starts).toEqual([{ host: "a", model: "x:latest" }]);
  });

  it("does not switch models while the loaded one is still running", () => {
    const hosts = [host("a", ["x:latest", "y:latest"], ["x:latest"])];
    hosts[0]?.running.set("x:latest", 1);
    expect(placeOllamaWork(hosts, demandOf([["y:latest", 5]]), ONE)).toEqual([]);
  });

  it("loads the model with the most ready work, ties broken by the longest chain", () => {
    const idle = () => [host("a", ["x:latest", "y:latest", "z:latest"])];
    const most = placeOllamaWork(
      idle(),
      demandOf([
        ["x:latest", 2],
        ["y:latest", 5],
        ["z:latest", 3],
      ]),
      ONE,
    );
    expect(most).toEqual([{ host: "a", model: "y:latest" }]);
    const tie = placeOllamaWork(
      idle(),
      demandOf([
        ["x:latest", 2, 1],
        ["z:latest", 2, 4],
      ]),
      ONE,
    );
    expect(tie).toEqual([{ host: "a", model: "z:latest" }]);
  });

  it("evicts an idle loaded model that has no ready work", () => {
    const hosts = [host("a", ["x:latest", "y:latest"], ["x:latest"])];
    placeOllamaWork(hosts, demandOf([["y:latest", 1]]), ONE);
    expect(hosts[0]?.loaded).toEqual(["y:latest"]);
  });

  it("runs up to numParallel requests of one model at once", () => {
    const hosts = [host("a", ["x:latest"], ["x:latest"])];
    const starts = placeOllamaWork(hosts, demandOf([["x:latest", 5]]), {
      maxLoaded: 1,
      numParallel: 3,
    });
    expect(starts).toHaveLength(3);
  });

  it("only places a model on hosts that have it", () => {
    const hosts = [host("a", ["x:latest"]), host("b", ["y:latest"])];
    const starts = placeOllamaWork(hosts, demandOf([["y:latest", 2]]), ONE);
    expect(starts).toEqual([{ host: "b", model: "y:latest" }]);
  });

  it("gives a second host a model nobody else is serving", () => {
    const hosts = [
      host("a", ["x:latest", "y:latest"], ["x:latest"]),
      host("b", ["x:latest", "y:latest"]),
    ];
    const starts = placeOllamaWork(
      hosts,
      demandOf([
        ["x:latest", 8],
        ["y:latest", 2],
      ]),
      ONE,
    );
    expect(starts).toContainEqual({ host: "a", model: "x:latest" });
    expect(starts).toContainEqual({ host: "b", model: "y:latest" });
  });

  it("costs one load per model for 30 interleaved prompts over 3 models", () => {
    const models = ["a:latest", "b:latest", "c:latest"];
    const slots = [host("h", models)];
    const demand = demandOf(models.map((model) => [model, 10]));
    let loads = 0;
    let previous: string | undefined;
    for (let started = 0; started < 30; started++) {
      const [start] = placeOllamaWork(slots, demand, ONE);
      if (!start) throw new Error("nothing placed while work remained");
      if (start.model !== previous) loads++;
      previous = start.model;
      slots[0]?.running.set(start.model, 0);
    }
    expect(loads).toBe(3);
  });
});
