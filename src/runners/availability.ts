import type { SquadConfig, WorkerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { nextQuotaReset, type QuotaStore, quotaDay } from "../memory/quota.js";
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

/** What availability reads of the quota store: a spent daily quota makes an alias unusable. */
export type QuotaView = Pick<QuotaStore, "cooldown" | "count">;

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
    private readonly quota: QuotaView,
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
      const reason = this.geminiKey ? this.spentQuota(alias, worker) : "GEMINI_API_KEY not set";
      return { alias, usable: reason === null, reason, loaded: reason === null, hosts: [] };
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

  /** Why a Gemini alias has no quota left today, or null when it has. */
  private spentQuota(alias: string, worker: WorkerConfig): string | null {
    const now = this.now();
    const cooldown = this.quota.cooldown(alias, now);
    if (cooldown) return `${cooldown.reason}; resets ${new Date(cooldown.until).toISOString()}`;
    const limit = worker.requestsPerDay;
    if (limit !== undefined && this.quota.count(alias, quotaDay(now)) >= limit) {
      const resets = new Date(nextQuotaReset(now)).toISOString();
      return `daily quota spent (${limit} requests, workers.${alias}.requestsPerDay); resets ${resets}`;
    }
    return null;
  }
}
