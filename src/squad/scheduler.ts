import type { Provider, WorkerConfig } from "../config.js";
import { errorMessage } from "../errors.js";
import {
  canonicalModel,
  type HostSlots,
  type ModelDemand,
  type PlacementLimits,
  placeOllamaWork,
} from "./placement.js";
import type { PlannedCommand, PlannedPrompt } from "./plan.js";
import { type FinalTaskStatus, isFinalStatus, type TaskStatus } from "./status.js";

/** Who serves a prompt task, decided before scheduling (or why nobody can). */
export interface ModelRoute {
  alias: string;
  provider: Provider;
  model: string;
  /** The alias's config, looked up once when the task was routed. */
  worker: WorkerConfig;
  decisionId: string | null;
}
export type PromptRoute = ModelRoute | { error: string; decisionId: string | null };
type OllamaTask = PlannedPrompt & { route: ModelRoute & { provider: "ollama" } };

export type ScheduledTask = PlannedCommand | (PlannedPrompt & { route: PromptRoute });

/** What an executor reports when a task ends. */
export interface Finished {
  status: FinalTaskStatus;
  /** The Ollama host that served a prompt, when it differs from the one asked for. */
  host?: string | null;
}

export interface SchedulerHooks<Result extends Finished> {
  runCommand(task: PlannedCommand, signal: AbortSignal): Promise<Result>;
  runPrompt(
    task: PlannedPrompt & { route: PromptRoute },
    host: string | null,
    signal: AbortSignal,
  ): Promise<Result>;
  /** A task that never ran: skipped, cancelled before start, or no worker. */
  settle(task: ScheduledTask, status: FinalTaskStatus, why: string): Result;
  onStart(task: ScheduledTask): void;
  onFinish(task: ScheduledTask, result: Result): void;
  /** The Ollama hosts usable right now, with what they have and hold. */
  ollamaHosts(): { host: string; models: readonly string[]; loaded: readonly string[] }[];
}

export interface SchedulerOptions {
  commandConcurrency: number;
  geminiConcurrency: number;
  /** Requests one `openai` or `anthropic` alias may have in flight at once. */
  aliasConcurrency: (alias: string) => number;
  ollama: PlacementLimits;
  failFast: boolean;
  signal: AbortSignal;
}

/**
 * Runs a squad: a task starts once every task in its `after` is ok; a failed dependency
 * skips its dependents. Commands share `commandConcurrency` slots, Gemini requests
 * `geminiConcurrency`, each openai/anthropic alias its own `aliasConcurrency`, and Ollama work is placed by model (see placement.ts).
 */
export class SquadScheduler<Result extends Finished> {
  private readonly status = new Map<string, TaskStatus>();
  /** Tasks still pending, in squad order: each event looks at these only. */
  private readonly pending = new Set<ScheduledTask>();
  private running = 0;
  /** Set when a task ended other than ok, so its dependents may need skipping. */
  private mayBlock = false;
  private readonly byId: Map<string, ScheduledTask>;
  private readonly hosts = new Map<string, HostSlots>();
  private readonly stop = new AbortController();
  private runningCommands = 0;
  private runningGemini = 0;
  private readonly runningPerAlias = new Map<string, number>();
  private stopReason: string | null = null;
  private done!: () => void;

  constructor(
    tasks: readonly ScheduledTask[],
    private readonly hooks: SchedulerHooks<Result>,
    private readonly options: SchedulerOptions,
  ) {
    this.byId = new Map(tasks.map((task) => [task.id, task]));
    for (const task of tasks) {
      this.status.set(task.id, "pending");
      this.pending.add(task);
    }
  }

  /** Every status change goes through here, which keeps `pending` and `running` true. */
  private setStatus(task: ScheduledTask, status: TaskStatus): void {
    const before = this.status.get(task.id);
    if (before === "running") this.running--;
    if (status === "running") this.running++;
    if (status !== "pending") this.pending.delete(task);
    if (isFinalStatus(status) && status !== "ok") this.mayBlock = true;
    this.status.set(task.id, status);
  }

  run(): Promise<void> {
    const finished = new Promise<void>((resolve) => {
      this.done = resolve;
    });
    const onAbort = () => this.halt("cancelled by the caller", "cancelled");
    if (this.options.signal.aborted) onAbort();
    else this.options.signal.addEventListener("abort", onAbort, { once: true });
    for (const host of this.hooks.ollamaHosts()) {
      this.hosts.set(host.host, {
        host: host.host,
        models: host.models,
        loaded: host.loaded.map(canonicalModel),
        running: new Map(),
      });
    }
    this.pump();
    return finished.finally(() => this.options.signal.removeEventListener("abort", onAbort));
  }

  private halt(reason: string, pendingStatus: FinalTaskStatus): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    for (const task of [...this.pending]) this.settle(task, pendingStatus, reason);
    this.stop.abort(reason);
    this.checkDone();
  }

  private pump(): void {
    this.skipBlocked();
    const ready = [...this.pending].filter((task) => this.isReady(task));
    for (const task of ready) {
      if (task.kind === "command") {
        if (this.runningCommands >= this.options.commandConcurrency) continue;
        this.runningCommands++;
        this.launch(
          task,
          () => this.hooks.runCommand(task, this.stop.signal),
          () => {
            this.runningCommands--;
          },
        );
      } else if ("error" in task.route) {
        this.settle(task, "error", task.route.error);
      } else if (task.route.provider === "gemini") {
        if (this.runningGemini >= this.options.geminiConcurrency) continue;
        this.runningGemini++;
        this.launch(
          task,
          () => this.hooks.runPrompt(task, null, this.stop.signal),
          () => {
            this.runningGemini--;
          },
        );
      } else if (task.route.provider !== "ollama") {
        const { alias } = task.route;
        const running = this.runningPerAlias.get(alias) ?? 0;
        if (running >= this.options.aliasConcurrency(alias)) continue;
        this.runningPerAlias.set(alias, running + 1);
        this.launch(
          task,
          () => this.hooks.runPrompt(task, null, this.stop.signal),
          () => {
            this.runningPerAlias.set(alias, (this.runningPerAlias.get(alias) ?? 1) - 1);
          },
        );
      }
    }
    this.placeOllama(ready);
    this.checkDone();
  }

  private placeOllama(ready: readonly ScheduledTask[]): void {
    const waiting = ready.filter(
      (task): task is OllamaTask =>
        task.kind === "prompt" && "provider" in task.route && task.route.provider === "ollama",
    );
    if (waiting.length === 0) return;
    const usable = this.usableHosts();
    const placeable = new Set(usable.flatMap((host) => host.models.map(canonicalModel)));
    const demand = new Map<string, ModelDemand>();
    for (const task of waiting) {
      const model = canonicalModel(task.route.model);
      if (!placeable.has(model)) {
        // No usable host has it: let the runner say why (not pulled, every host down).
        this.launchPrompt(task, null);
        continue;
      }
      const entry = demand.get(model) ?? { model, ready: 0, chain: 0 };
      entry.ready += 1;
      entry.chain = Math.max(entry.chain, task.chain);
      demand.set(model, entry);
    }
    for (const { host, model } of placeOllamaWork(usable, demand, this.options.ollama)) {
      const task = waiting
        .filter((t) => canonicalModel(t.route.model) === model && this.isReady(t))
        .sort((a, b) => b.chain - a.chain || a.position - b.position)[0];
      if (task) this.launchPrompt(task, host);
    }
  }

  private launchPrompt(task: PlannedPrompt & { route: PromptRoute }, host: string | null): void {
    const model = "model" in task.route ? canonicalModel(task.route.model) : "";
    this.launch(
      task,
      () => this.hooks.runPrompt(task, host, this.stop.signal),
      (result) => {
        if (host === null) return;
        const slots = this.hosts.get(host);
        if (slots) slots.running.set(model, Math.max(0, (slots.running.get(model) ?? 1) - 1));
        if (result?.host && result.host !== host) this.noteServedBy(result.host, model);
      },
    );
  }

  /** A failover moved the request: the model now sits on the host that answered. */
  private noteServedBy(host: string, model: string): void {
    const slots = this.hosts.get(host);
    if (!slots) return;
    slots.loaded = [model, ...slots.loaded.filter((m) => m !== model)].slice(
      0,
      this.options.ollama.maxLoaded,
    );
  }

  private usableHosts(): HostSlots[] {
    const now = new Set(this.hooks.ollamaHosts().map((host) => host.host));
    return [...this.hosts.values()].filter((host) => now.has(host.host));
  }

  private launch(
    task: ScheduledTask,
    work: () => Promise<Result>,
    release: (result: Result | null) => void,
  ): void {
    this.setStatus(task, "running");
    this.hooks.onStart(task);
    work()
      .catch((error: unknown) => this.hooks.settle(task, "error", errorMessage(error)))
      .then((result) => {
        release(result);
        this.finish(task, result);
      });
  }

  private finish(task: ScheduledTask, result: Result): void {
    this.setStatus(task, result.status);
    this.hooks.onFinish(task, result);
    if (this.options.failFast && result.status !== "ok" && this.stopReason === null) {
      this.halt(`fail_fast: ${task.label} ended ${result.status}`, "skipped");
    }
    this.pump();
  }

  private settle(task: ScheduledTask, status: FinalTaskStatus, why: string): void {
    this.setStatus(task, status);
    this.hooks.onFinish(task, this.hooks.settle(task, status, why));
  }

  private skipBlocked(): void {
    while (this.mayBlock) {
      this.mayBlock = false;
      for (const task of [...this.pending]) {
        const failed = task.after.find((id) => {
          const status = this.status.get(id);
          return status !== undefined && status !== "ok" && isFinalStatus(status);
        });
        if (failed !== undefined) {
          const label = this.byId.get(failed)?.label ?? failed;
          this.settle(task, "skipped", `skipped: ${label} ended ${this.status.get(failed)}`);
        }
      }
    }
  }

  private isReady(task: ScheduledTask): boolean {
    return (
      this.stopReason === null &&
      this.status.get(task.id) === "pending" &&
      task.after.every((id) => this.status.get(id) === "ok")
    );
  }

  private checkDone(): void {
    if (this.pending.size === 0 && this.running === 0) {
      this.done?.();
      return;
    }
    if (this.running > 0 || this.stopReason !== null) return;
    // Nothing runs, so every ready task would have started; pending work left here can never
    // start. Never wait forever on it.
    for (const task of [...this.pending]) this.settle(task, "error", "could not be scheduled");
    this.done?.();
  }
}
