import { type ApiTarget, apiTarget, type SquadConfig, type WorkerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { nextQuotaReset, type QuotaStore, quotaDay } from "../memory/quota.js";
import { type KeyRejections, redactKey, targetId } from "./api-retry.js";
import { type OllamaHostStatus, probeOllamaHost, sameModel } from "./ollama-probe.js";
import { type OpenAIServerStatus, probeOpenAIServer } from "./openai-probe.js";

/** What availability needs to judge `openai` and `anthropic` aliases. */
export interface ApiContext {
  env: NodeJS.ProcessEnv;
  /** Keys a server has refused: their aliases stay unusable until the key changes. */
  keys: KeyRejections;
}

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
  private readonly servers = new Map<string, OpenAIServerStatus>();
  private readonly serverProbes = new Map<string, Promise<OpenAIServerStatus>>();

  constructor(
    private readonly config: SquadConfig,
    private readonly geminiKey: boolean,
    private readonly quota: QuotaView,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly api: ApiContext | null = null,
  ) {}

  async snapshot(): Promise<AvailabilitySnapshot> {
    const [ollama, servers] = await Promise.all([
      Promise.all(this.config.ollama.hosts.map((host) => this.hostStatus(host))),
      this.openAIServers(),
    ]);
    const workers = new Map<string, WorkerAvailability>();
    for (const [alias, worker] of Object.entries(this.config.workers)) {
      workers.set(alias, this.workerAvailability(alias, worker, ollama, servers));
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
    servers: Map<string, OpenAIServerStatus>,
  ): WorkerAvailability {
    if (worker.provider === "openai" || worker.provider === "anthropic") {
      const reason = this.apiProblem(alias, worker, servers);
      return { alias, usable: reason === null, reason, loaded: reason === null, hosts: [] };
    }
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

  /** Why an `openai` or `anthropic` alias cannot be used, or null when it can. */
  private apiProblem(
    alias: string,
    worker: WorkerConfig,
    servers: Map<string, OpenAIServerStatus>,
  ): string | null {
    if (!this.api) return `${worker.provider} workers are not set up in this process`;
    const target = apiTarget(worker, this.api.env);
    const missing = missingSetting(alias, worker, target);
    if (missing) return missing;
    const rejected = this.api.keys.reason(alias, targetId(target));
    if (rejected) return rejected;
    if (worker.provider === "anthropic") return null;
    const server = servers.get(targetId(target));
    if (!server) return null;
    if (server.keyRejected) {
      return redactKey(
        `key rejected for ${alias} (env ${target.keyEnv}): ${server.error}`,
        target.key,
      );
    }
    if (!server.reachable) return `${server.baseUrl} unreachable: ${server.error}`;
    if (server.models.length > 0 && !server.models.includes(worker.model)) {
      const listed = server.models.slice(0, 5).join(", ");
      return `${worker.model} is not served at ${server.baseUrl} (it lists ${listed}${server.models.length > 5 ? ", …" : ""})`;
    }
    return null;
  }

  /** The OpenAI-compatible servers the aliases point at, probed at most once per `probeTtlMs`. */
  private async openAIServers(): Promise<Map<string, OpenAIServerStatus>> {
    const targets = new Map<string, ApiTarget>();
    for (const worker of Object.values(this.config.workers)) {
      if (worker.provider !== "openai" || !this.api) continue;
      const target = apiTarget(worker, this.api.env);
      if (target.baseUrl || target.key) targets.set(targetId(target), target);
    }
    const entries = await Promise.all(
      [...targets].map(async ([id, target]) => [id, await this.serverStatus(id, target)] as const),
    );
    return new Map(entries);
  }

  private serverStatus(id: string, target: ApiTarget): Promise<OpenAIServerStatus> {
    const cached = this.servers.get(id);
    if (cached && this.now() - cached.checkedAt < this.config.ollama.probeTtlMs) {
      return Promise.resolve(cached);
    }
    let probe = this.serverProbes.get(id);
    if (!probe) {
      const baseUrl = target.baseUrl ?? "https://api.openai.com/v1";
      probe = probeOpenAIServer(baseUrl, target.key, this.config.ollama.probeTimeoutMs, this.now)
        .then((status) => {
          if (this.servers.get(id)?.reachable !== status.reachable) {
            this.logger.info(
              `openai ${baseUrl}: ${status.reachable ? `reachable, ${status.models.length} models` : status.error}`,
            );
          }
          this.servers.set(id, status);
          return status;
        })
        .finally(() => this.serverProbes.delete(id));
      this.serverProbes.set(id, probe);
    }
    return cached ? Promise.resolve(cached) : probe;
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

/** A setting an `openai` or `anthropic` alias cannot do without, named so the user can set it. */
function missingSetting(alias: string, worker: WorkerConfig, target: ApiTarget): string | null {
  if (worker.apiKeyEnv && !target.key) return `${worker.apiKeyEnv} not set`;
  if (worker.provider === "anthropic") return target.key ? null : `${target.keyEnv} not set`;
  if (!target.baseUrl && !target.key) {
    return `no baseUrl (workers.${alias}.baseUrl or OPENAI_BASE_URL) and no OPENAI_API_KEY`;
  }
  return null;
}
