import type { SquadConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { BackendAvailability } from "./availability.js";
import { type CallDeadline, callDeadline } from "./call-deadline.js";
import {
  type ChatCall,
  type ChatResult,
  chatMessages,
  chatOnHost,
  classifyChatFailure,
  truncationNote,
} from "./ollama-chat.js";
import { type OllamaHostStatus, sameModel } from "./ollama-probe.js";
import { type ModelAnswer, ModelCallError, type ModelRequest, type ModelRunner } from "./types.js";

export interface OllamaHostView {
  host: string;
  reachable: boolean;
  /** Until when (ms since the epoch) the host is left alone after it stopped answering. */
  coolingUntil: number | null;
  models: string[];
  /** Most recently used first, at most `maxLoadedModels`. */
  loaded: string[];
  /** Requests in flight from this pool. */
  busy: number;
}

/** A scheduler that batches by model may pin a request to the host it just loaded. */
export type OllamaRequest = ModelRequest & { preferHost?: string | undefined };

export interface OllamaPoolDeps {
  config: SquadConfig;
  availability: Pick<BackendAvailability, "snapshot" | "invalidate">;
  now: () => number;
  logger: Logger;
}

interface HostState extends OllamaHostView {
  /** When our own answers last changed `loaded`: a probe taken before then knows less. */
  loadedSeenAt: number;
  /** Why the host is down or cooling, in the words of the failure. */
  problem: string | null;
}

/** The hosts of `OLLAMA_HOST` as one runner: a request goes to the best host for its model. */
export class OllamaPool implements ModelRunner {
  private readonly states: HostState[];

  constructor(private readonly deps: OllamaPoolDeps) {
    this.states = deps.config.ollama.hosts.map((host) => ({
      host,
      reachable: false,
      coolingUntil: null,
      models: [],
      loaded: [],
      busy: 0,
      loadedSeenAt: Number.NEGATIVE_INFINITY,
      problem: "not probed yet",
    }));
  }

  async refresh(): Promise<void> {
    this.endExpiredCooldowns();
    const snapshot = await this.deps.availability.snapshot();
    for (const status of snapshot.ollama) {
      const state = this.states.find((candidate) => candidate.host === status.host);
      if (state) this.mergeProbe(state, status);
    }
  }

  hosts(): OllamaHostView[] {
    return this.states.map(toView);
  }

  /** Usable hosts that have `model`, best first: loaded there, then least busy. */
  hostsWithModel(model: string): OllamaHostView[] {
    return this.rankedHosts(model).map(toView);
  }

  async generate(request: OllamaRequest): Promise<ModelAnswer> {
    if (request.worker.provider !== "ollama") {
      throw new ModelCallError("ollama", "rejected", `${request.alias} is not an Ollama worker`);
    }
    const deadline = callDeadline(request.signal, request.timeoutMs);
    try {
      return await this.generateWithin(request, deadline);
    } catch (error) {
      throw stoppedError(request, deadline) ?? error;
    } finally {
      deadline.dispose();
    }
  }

  private async generateWithin(
    request: OllamaRequest,
    deadline: CallDeadline,
  ): Promise<ModelAnswer> {
    const started = performance.now();
    if (deadline.stoppedBy()) throw deadline.signal.reason;
    await this.refresh();
    const call = this.chatCall(request);
    // Choosing a host and counting it busy happen in one synchronous step, so concurrent
    // requests see each other and spread out.
    const candidates = this.candidates(call.model, request.preferHost);
    if (candidates.length === 0) throw this.noHostFor(call.model);

    const notes: string[] = [];
    const failures: string[] = [];
    for (const state of candidates) {
      if (!this.usable(state)) {
        failures.push(`${state.host}: ${this.whyUnusable(state)}`);
        continue;
      }
      const previous = failures.at(-1);
      if (previous) notes.push(`${previous}; moved to ${state.host}`);
      try {
        const result = await this.chatCounted(state, call, deadline.signal);
        return this.answer(request, call, state.host, result, notes, started);
      } catch (error) {
        // Cancelled or out of time: the host did nothing wrong, so it is not cooled down.
        if (deadline.stoppedBy()) throw error;
        const failure = classifyChatFailure(error);
        if (failure.kind === "rejected" || failure.kind === "server") {
          const message = `${state.host}: ${failure.reason}`;
          throw new ModelCallError("ollama", failure.kind, message, failure.status);
        }
        failures.push(
          failure.kind === "unreachable"
            ? this.coolDown(state, failure.reason)
            : this.forgetModel(state, call.model, failure.reason),
        );
      }
    }
    const why = `every Ollama host with ${call.model} failed: ${failures.join("; ")}`;
    throw new ModelCallError("ollama", "unavailable", why);
  }

  private chatCall(request: OllamaRequest): ChatCall {
    return {
      model: request.worker.model,
      messages: chatMessages(request.system, request.prompt),
      numCtx: request.worker.contextWindow,
      keepAlive: this.deps.config.ollama.keepAlive,
      format: request.schema,
      maxAnswerChars: request.maxAnswerChars,
    };
  }

  private async chatCounted(
    state: HostState,
    call: ChatCall,
    signal: AbortSignal,
  ): Promise<ChatResult> {
    state.busy++;
    try {
      const result = await chatOnHost(state.host, call, signal);
      this.markUsed(state, call.model);
      return result;
    } finally {
      state.busy--;
    }
  }

  private answer(
    request: OllamaRequest,
    call: ChatCall,
    host: string,
    result: ChatResult,
    notes: string[],
    started: number,
  ): ModelAnswer {
    const cut = truncationNote(request.alias, call, result);
    return {
      alias: request.alias,
      provider: "ollama",
      model: call.model,
      host,
      text: result.text,
      tokensIn: result.promptEvalCount,
      tokensOut: result.evalCount,
      latencyMs: Math.round(performance.now() - started),
      truncated: cut !== null,
      notes: cut ? [...notes, cut] : notes,
    };
  }

  private candidates(model: string, preferHost: string | undefined): HostState[] {
    const ranked = this.rankedHosts(model);
    const preferred = ranked.find((state) => state.host === preferHost);
    return preferred ? [preferred, ...ranked.filter((state) => state !== preferred)] : ranked;
  }

  private rankedHosts(model: string): HostState[] {
    const loadedFirst = (state: HostState) =>
      state.loaded.some((name) => sameModel(name, model)) ? 0 : 1;
    return this.states
      .filter((state) => this.usable(state) && state.models.some((name) => sameModel(name, model)))
      .sort((a, b) => loadedFirst(a) - loadedFirst(b) || a.busy - b.busy);
  }

  private usable(state: HostState): boolean {
    return state.reachable && state.coolingUntil === null;
  }

  private whyUnusable(state: HostState): string {
    if (state.coolingUntil === null) return state.problem ?? "unreachable";
    const seconds = Math.max(0, Math.ceil((state.coolingUntil - this.deps.now()) / 1000));
    return `${state.problem}; cooling down for ${seconds} s more`;
  }

  private noHostFor(model: string): ModelCallError {
    const down = this.states
      .filter((state) => !this.usable(state))
      .map((state) => `${state.host}: ${this.whyUnusable(state)}`);
    if (down.length === this.states.length) {
      const why = `no Ollama host can take ${model}, every host is down or cooling: ${down.join("; ")}`;
      return new ModelCallError("ollama", "unavailable", why);
    }
    const others = down.length > 0 ? `; down or cooling: ${down.join("; ")}` : "";
    const why = `${model} is not pulled on any reachable Ollama host (ollama pull ${model})${others}`;
    return new ModelCallError("ollama", "unavailable", why);
  }

  /** Returns the failure in words, for the failover note and the final error. */
  private coolDown(state: HostState, reason: string): string {
    const { cooldownMs } = this.deps.config.ollama;
    state.coolingUntil = this.deps.now() + cooldownMs;
    state.problem = `stopped answering (${reason})`;
    // Whatever it had loaded is gone if it comes back: a restarted server starts empty.
    state.loaded = [];
    state.loadedSeenAt = this.deps.now();
    this.deps.availability.invalidate(state.host);
    this.deps.logger.warn(
      `ollama ${state.host} stopped answering (${reason}); leaving it alone for ${cooldownMs} ms`,
    );
    return `${state.host} ${state.problem}`;
  }

  private forgetModel(state: HostState, model: string, reason: string): string {
    state.models = state.models.filter((name) => !sameModel(name, model));
    state.loaded = state.loaded.filter((name) => !sameModel(name, model));
    this.deps.availability.invalidate(state.host);
    return `${state.host} does not have ${model} (${reason})`;
  }

  private markUsed(state: HostState, model: string): void {
    const others = state.loaded.filter((name) => !sameModel(name, model));
    state.loaded = [model, ...others].slice(0, this.deps.config.ollama.maxLoadedModels);
    state.loadedSeenAt = this.deps.now();
    state.reachable = true;
    if (!state.models.some((name) => sameModel(name, model))) state.models.push(model);
  }

  private endExpiredCooldowns(): void {
    for (const state of this.states) {
      if (state.coolingUntil === null || this.deps.now() < state.coolingUntil) continue;
      state.coolingUntil = null;
      // The cached probe is from when the host failed; look again before trusting it.
      this.deps.availability.invalidate(state.host);
    }
  }

  private mergeProbe(state: HostState, status: OllamaHostStatus): void {
    state.reachable = status.reachable;
    state.models = status.models;
    if (!status.reachable) {
      state.problem = status.error;
      state.loaded = [];
      return;
    }
    if (state.coolingUntil === null) state.problem = null;
    if (status.checkedAt > state.loadedSeenAt) {
      state.loaded = recentFirst(status.loaded, state.loaded).slice(
        0,
        this.deps.config.ollama.maxLoadedModels,
      );
      state.loadedSeenAt = status.checkedAt;
    }
  }
}

/** The probe's loaded models, in the order we last used them (the probe does not know it). */
function recentFirst(probed: string[], ours: string[]): string[] {
  const known = ours.filter((name) => probed.some((other) => sameModel(name, other)));
  const rest = probed.filter((name) => !known.some((other) => sameModel(name, other)));
  return [...known, ...rest];
}

function toView(state: HostState): OllamaHostView {
  const { host, reachable, coolingUntil, models, loaded, busy } = state;
  return { host, reachable, coolingUntil, models: [...models], loaded: [...loaded], busy };
}

function stoppedError(request: OllamaRequest, deadline: CallDeadline): ModelCallError | null {
  const why = deadline.stoppedBy();
  if (why === "cancelled") {
    return new ModelCallError("ollama", "cancelled", `${request.alias}: request cancelled`);
  }
  if (why === "timeout") {
    const message = `${request.alias}: no complete answer within ${request.timeoutMs} ms`;
    return new ModelCallError("ollama", "timeout", message);
  }
  return null;
}
