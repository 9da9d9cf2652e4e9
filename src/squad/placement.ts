/**
 * Model-aware placement for Ollama work. A host holds at most `maxLoaded` models;
 * loading one costs seconds, generating costs far less per task. So: keep a loaded model busy
 * while it has ready work, switch only when it is idle, and load next the model with the most
 * ready work (ties: the longest chain of tasks behind it). A mixed batch then costs about one
 * load per distinct model instead of one per switch.
 */

export interface HostSlots {
  host: string;
  /** Models pulled on the host. */
  models: readonly string[];
  /** Models we believe are in memory there, most recently used first. */
  loaded: string[];
  /** Requests running there, per model. */
  running: Map<string, number>;
}

export interface ModelDemand {
  model: string;
  /** Tasks for the model whose dependencies are all done. */
  ready: number;
  /** The longest chain of tasks waiting behind one of its ready tasks. */
  chain: number;
}

export interface PlacementLimits {
  maxLoaded: number;
  /** Requests one loaded model serves at once (OLLAMA_NUM_PARALLEL). */
  numParallel: number;
}

export interface Placement {
  host: string;
  model: string;
}

/** Ollama treats `qwen3` and `qwen3:latest` as the same model. */
export function canonicalModel(name: string): string {
  return name.includes(":") ? name : `${name}:latest`;
}

/**
 * Decides which (host, model) requests to start now. Mutates `hosts` (loaded, running) and
 * `demand` (ready) to reflect the starts, so the caller's view stays current.
 */
export function placeOllamaWork(
  hosts: HostSlots[],
  demand: Map<string, ModelDemand>,
  limits: PlacementLimits,
): Placement[] {
  const starts: Placement[] = [];
  for (;;) {
    const byLoad = [...hosts].sort((a, b) => total(a.running) - total(b.running));
    const next = byLoad.map((host) => ({ host, model: nextModelOn(host, hosts, demand, limits) }));
    const chosen = next.find((entry) => entry.model !== null);
    if (!chosen?.model) return starts;
    start(chosen.host, chosen.model, demand, limits);
    starts.push({ host: chosen.host.host, model: chosen.model });
  }
}

function nextModelOn(
  host: HostSlots,
  hosts: readonly HostSlots[],
  demand: Map<string, ModelDemand>,
  limits: PlacementLimits,
): string | null {
  const ready = (model: string) => demand.get(model)?.ready ?? 0;
  const running = (model: string) => host.running.get(model) ?? 0;
  const resident = host.loaded.filter(
    (model) => ready(model) > 0 && running(model) < limits.numParallel,
  );
  if (resident.length > 0) return pickMostWork(resident, demand, () => 0);

  const busyResident = host.loaded.filter((model) => running(model) > 0).length;
  if (busyResident >= limits.maxLoaded) return null;
  const has = new Set(host.models.map(canonicalModel));
  const options = [...demand.values()]
    .filter(
      (entry) => entry.ready > 0 && has.has(entry.model) && !host.loaded.includes(entry.model),
    )
    .map((entry) => entry.model);
  if (options.length === 0) return null;
  const servedElsewhere = (model: string) =>
    hosts.some((other) => other !== host && other.loaded.includes(model)) ? 1 : 0;
  return pickMostWork(options, demand, servedElsewhere);
}

function pickMostWork(
  models: string[],
  demand: Map<string, ModelDemand>,
  penalty: (model: string) => number,
): string | null {
  const key = (model: string) => {
    const entry = demand.get(model);
    return [penalty(model), -(entry?.ready ?? 0), -(entry?.chain ?? 0)] as const;
  };
  const sorted = [...models].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) {
      const diff = (ka[i] ?? 0) - (kb[i] ?? 0);
      if (diff !== 0) return diff;
    }
    return a.localeCompare(b);
  });
  return sorted[0] ?? null;
}

function start(
  host: HostSlots,
  model: string,
  demand: Map<string, ModelDemand>,
  limits: PlacementLimits,
): void {
  if (!host.loaded.includes(model)) {
    while (host.loaded.length >= limits.maxLoaded) {
      const idle = [...host.loaded].reverse().find((m) => (host.running.get(m) ?? 0) === 0);
      if (idle === undefined) break;
      host.loaded.splice(host.loaded.indexOf(idle), 1);
    }
  } else {
    host.loaded.splice(host.loaded.indexOf(model), 1);
  }
  host.loaded.unshift(model);
  host.running.set(model, (host.running.get(model) ?? 0) + 1);
  const entry = demand.get(model);
  if (entry) entry.ready -= 1;
}

function total(running: Map<string, number>): number {
  let sum = 0;
  for (const count of running.values()) sum += count;
  return sum;
}
