import type { SquadConfig, WorkerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { type OllamaHostStatus, probeOllamaHost, sameModel } from "./ollama-probe.js";

export interface WorkerAvailability {
  alias: string;
  usable: boolean;
  /** Why not, when not usable. */
  reason: string | null;
  /** True when no model load stands between the worker and a task. */
  loaded: boolean;
  hosts: string[];
}

export interface AvailabilitySnapshot {
  ollama: OllamaHostStatus[];
  geminiKey: boolean;
  workers: Map<string, WorkerAvailability>;
}

/**
 * Knows which backends are usable now. Probe results are cached for `probeTtlMs`; a stale
 * entry is served while a fresh probe runs in the background, so only the very first look at a
 * host (bounded by `probeTimeoutMs`) ever waits on the network.
 */
export class BackendAvailability {
  private readonly cache = new Map<string, OllamaHostStatus>();
  private readonly inflight = new Map<string, Promise<OllamaHostStatus>>();

  constructor(
    private readonly config: SquadConfig,
    private readonly geminiKey: boolean,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  async snapshot(): Promise<AvailabilitySnapshot> {
    const ollama = await Promise.all(this.config.ollama.hosts.map((host) => this.hostStatus(host)));
    const workers = new Map<string, WorkerAvailability>();
    for (const [alias, worker] of Object.entries(this.config.workers)) {
      workers.set(alias, this.workerAvailability(alias, worker, ollama));
    }
    return { ollama, geminiKey: this.geminiKey, workers };
  }

  /** Forget what was seen, e.g. after a host failed a real request. */
  invalidate(host?: string): void {
    if (host) this.cache.delete(host);
    else this.cache.clear();
  }

  private async hostStatus(host: string): Promise<OllamaHostStatus> {
    const cached = this.cache.get(host);
    if (cached && this.now() - cached.checkedAt < this.config.ollama.probeTtlMs) return cached;
    const refresh = this.refresh(host);
    return cached ?? refresh;
  }

  private refresh(host: string): Promise<OllamaHostStatus> {
    const running = this.inflight.get(host);
    if (running) return running;
    const probe = probeOllamaHost(host, this.config.ollama.probeTimeoutMs, this.now)
      .then((status) => {
        const was = this.cache.get(host);
        if (was?.reachable !== status.reachable) {
          this.logger.info(
            `ollama ${host}: ${status.reachable ? `reachable, ${status.models.length} models` : status.error}`,
          );
        }
        this.cache.set(host, status);
        return status;
      })
      .finally(() => this.inflight.delete(host));
    this.inflight.set(host, probe);
    return probe;
  }

  private workerAvailability(
    alias: string,
    worker: WorkerConfig,
    hosts: OllamaHostStatus[],
  ): WorkerAvailability {
    if (worker.provider === "gemini") {
      return this.geminiKey
        ? { alias, usable: true, reason: null, loaded: true, hosts: [] }
        : { alias, usable: false, reason: "GEMINI_API_KEY not set", loaded: false, hosts: [] };
    }
    const reachable = hosts.filter((host) => host.reachable);
    if (reachable.length === 0) {
      const why = hosts.map((host) => `${host.host}: ${host.error}`).join("; ");
      return {
        alias,
        usable: false,
        reason: `no Ollama host reachable (${why})`,
        loaded: false,
        hosts: [],
      };
    }
    const having = reachable.filter((host) =>
      host.models.some((model) => sameModel(model, worker.model)),
    );
    if (having.length === 0) {
      return {
        alias,
        usable: false,
        reason: `${worker.model} is not pulled on any Ollama host (ollama pull ${worker.model})`,
        loaded: false,
        hosts: [],
      };
    }
    const loaded = having.some((host) =>
      host.loaded.some((model) => sameModel(model, worker.model)),
    );
    return { alias, usable: true, reason: null, loaded, hosts: having.map((host) => host.host) };
  }
}
