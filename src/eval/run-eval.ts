import { performance } from "node:perf_hooks";
import type { Category, WorkerConfig } from "../config.js";
import type { AppContext } from "../context.js";
import { errorMessage, UserInputError } from "../errors.js";
import { recordOutcome } from "../routing/record-outcome.js";
import { failureCountsAgainstWorker, ModelCallError } from "../runners/types.js";
import { type CheckPolicy, checkAnswer } from "./checkers.js";
import { answerShape, EVAL_SUITE, EVAL_SYSTEM, type EvalTask, taskPrompt } from "./suite.js";

export interface EvalOptions {
  /** Aliases to evaluate; default every configured worker. */
  workers?: string[] | undefined;
  /** Categories to evaluate; default every category the suite has tasks for. */
  categories?: string[] | undefined;
  signal?: AbortSignal | undefined;
  onResult?: (progress: EvalProgress) => void;
  /** A worker is about to wait on purpose (Gemini's per-minute limit, a retry). */
  onWait?: (wait: EvalWait) => void;
}

export interface EvalWait {
  done: number;
  total: number;
  worker: string;
  ms: number;
  reason: string;
}

export interface EvalProgress {
  done: number;
  total: number;
  result: EvalResult;
}

export interface EvalResult {
  worker: string;
  task: string;
  category: Category;
  /** null: not measured (the worker could not be asked); nothing was recorded for it. */
  pass: boolean | null;
  detail: string;
  latencyMs: number | null;
  tokensIn: number;
  tokensOut: number;
}

export interface Standing {
  worker: string;
  category: Category;
  successes: number;
  n: number;
  /** The routing posterior's mean after this evaluation (prior included). */
  expected: number;
}

export interface EvalReport {
  workers: string[];
  /** Workers asked for (or configured) that could not be evaluated, and why. */
  unusable: { worker: string; reason: string }[];
  categories: Category[];
  results: EvalResult[];
  /** Outcomes written with source `eval`. */
  recorded: number;
  standings: Standing[];
  durationMs: number;
  cancelled: boolean;
}

/** Per answer run (a function's cases or a command). */
const CHECK_TIMEOUT_MS = 10_000;
/** After one of these, the worker's remaining tasks cannot go better. */
const GIVE_UP: ReadonlySet<string> = new Set(["unavailable", "quota_exhausted", "rejected"]);

/** Which workers and tasks an evaluation covers; bad names are input errors. */
export function selectEval(
  ctx: AppContext,
  options: Pick<EvalOptions, "workers" | "categories">,
): { workers: string[]; tasks: EvalTask[]; categories: Category[] } {
  const configured = Object.keys(ctx.config.workers);
  const workers = options.workers ?? configured;
  const unknown = workers.find((worker) => !configured.includes(worker));
  if (unknown !== undefined) {
    throw new UserInputError(
      "workers",
      `unknown worker '${unknown}'; configured: ${configured.join(", ")}`,
    );
  }
  const offered = [...new Set(EVAL_SUITE.map((task) => task.category))];
  const categories = (options.categories ?? offered) as Category[];
  const missing = categories.find((category) => !offered.includes(category));
  if (missing !== undefined) {
    throw new UserInputError(
      "categories",
      `the suite has no tasks for '${missing}'; it covers ${offered.join(", ")}`,
    );
  }
  const tasks = EVAL_SUITE.filter((task) => categories.includes(task.category));
  return { workers: [...new Set(workers)], tasks, categories: [...new Set(categories)] };
}

/**
 * The weekly evaluation: every usable worker answers every selected suite task, a
 * deterministic checker runs the answer, and each verdict is recorded as an `eval` outcome so
 * routing's priors rest on measurements. Local models run one after another (one load each);
 * each Gemini alias runs alongside them.
 */
export async function runEval(ctx: AppContext, options: EvalOptions = {}): Promise<EvalReport> {
  const started = performance.now();
  const { workers, tasks, categories } = selectEval(ctx, options);
  const { usable, unusable } = splitByAvailability(workers, await ctx.availability.snapshot());
  const report: EvalReport = {
    workers: usable,
    unusable,
    categories,
    results: [],
    recorded: 0,
    standings: [],
    durationMs: 0,
    cancelled: false,
  };
  if (usable.length === 0 || tasks.length === 0) return finish(report, started);
  const run = new EvalRun(ctx, options, report, tasks, await ctx.models());
  await run.everyWorker(usable);
  report.standings = run.standings();
  report.cancelled = options.signal?.aborted ?? false;
  return finish(report, started);
}

type Snapshot = Awaited<ReturnType<AppContext["availability"]["snapshot"]>>;

function splitByAvailability(
  workers: readonly string[],
  snapshot: Snapshot,
): { usable: string[]; unusable: EvalReport["unusable"] } {
  const usable: string[] = [];
  const unusable: EvalReport["unusable"] = [];
  for (const worker of workers) {
    const availability = snapshot.workers.get(worker);
    if (availability?.usable) usable.push(worker);
    else unusable.push({ worker, reason: availability?.reason ?? "not known to availability" });
  }
  return { usable, unusable };
}

type Models = Awaited<ReturnType<AppContext["models"]>>;
type Answer = Awaited<ReturnType<Models["generate"]>>;
type TaskRef = { worker: string; task: string; category: Category };
type Verdict = { pass: boolean; detail: string };
/** How one task ended for the worker: go on, stop (cancelled), or skip its remaining tasks. */
type TaskEnd = "next" | "cancelled" | { giveUp: string };

/** One evaluation under way: asks, checks, records and reports each result. */
class EvalRun {
  private readonly byStanding = new Map<string, Standing>();
  private readonly total: number;
  private readonly policy: CheckPolicy;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: EvalOptions,
    private readonly report: EvalReport,
    private readonly tasks: readonly EvalTask[],
    private readonly models: Models,
  ) {
    this.total = report.workers.length * tasks.length;
    this.policy = { runner: ctx.commands, timeoutMs: CHECK_TIMEOUT_MS, signal: options.signal };
  }

  /** Local models one after another (one load each); every other worker alongside them. */
  async everyWorker(usable: readonly string[]): Promise<void> {
    const isLocal = (alias: string) => this.ctx.config.workers[alias]?.provider === "ollama";
    const localChain = async () => {
      for (const alias of usable.filter(isLocal)) await this.evaluateWorker(alias);
    };
    const cloud = usable.filter((alias) => !isLocal(alias));
    await Promise.all([localChain(), ...cloud.map((alias) => this.evaluateWorker(alias))]);
  }

  standings(): Standing[] {
    return [...this.byStanding.values()];
  }

  private get aborted(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  private async evaluateWorker(alias: string): Promise<void> {
    const worker = this.ctx.config.workers[alias];
    if (!worker) return;
    let givenUp: string | null = null;
    for (const task of this.tasks) {
      if (this.aborted) return;
      const ref = { worker: alias, task: task.id, category: task.category };
      if (givenUp !== null) {
        this.notMeasured(ref, givenUp);
        continue;
      }
      const end = await this.evaluateTask(ref, worker, task);
      if (end === "cancelled") return;
      if (end !== "next") givenUp = end.giveUp;
    }
  }

  private async evaluateTask(ref: TaskRef, worker: WorkerConfig, task: EvalTask): Promise<TaskEnd> {
    let answer: Answer;
    try {
      answer = await this.ask(ref, worker, task);
    } catch (error) {
      return this.noAnswer(ref, error);
    }
    let verdict: Verdict;
    try {
      verdict = await checkAnswer(task, answer.text, this.policy);
    } catch (error) {
      if (this.aborted) return "cancelled";
      this.notMeasured(ref, `the checker could not run: ${errorMessage(error)}`.slice(0, 200));
      return "next";
    }
    if (this.aborted) return "cancelled";
    // The worker's own time: waits for a per-minute slot say nothing about its speed.
    const latencyMs = Math.max(0, Math.round(answer.latencyMs - (answer.waitedMs ?? 0)));
    this.record(ref, verdict, latencyMs, answer.tokensIn, answer.tokensOut);
    return "next";
  }

  private ask(ref: TaskRef, worker: WorkerConfig, task: EvalTask): Promise<Answer> {
    return this.models.generate(
      {
        alias: ref.worker,
        worker,
        system: EVAL_SYSTEM,
        prompt: taskPrompt(task),
        schema: answerShape(task),
        timeoutMs: this.ctx.config.squad.modelTimeoutS * 1000,
        signal: this.options.signal,
        onWait: (wait) =>
          this.options.onWait?.({
            done: this.report.results.length,
            total: this.total,
            worker: ref.worker,
            ...wait,
          }),
      },
      { runId: null, taskId: `eval:${task.id}` },
    );
  }

  /**
   * Too slow is a verdict on the worker; no host, no key, a spent quota, a rate limit, a 5xx or
   * a fault of ours say nothing about its skill, so nothing is recorded.
   */
  private noAnswer(ref: TaskRef, error: unknown): TaskEnd {
    const kind = error instanceof ModelCallError ? error.kind : "error";
    if (kind === "cancelled" || this.aborted) return "cancelled";
    const detail = `no answer: ${errorMessage(error)}`.slice(0, 200);
    if (failureCountsAgainstWorker(error)) {
      this.record(ref, { pass: false, detail }, null, 0, 0);
      return "next";
    }
    this.notMeasured(ref, detail);
    return GIVE_UP.has(kind) ? { giveUp: detail } : "next";
  }

  /** Nothing is recorded for what was not measured. */
  private notMeasured(ref: TaskRef, detail: string): void {
    this.settle({ ...ref, pass: null, detail, latencyMs: null, tokensIn: 0, tokensOut: 0 });
  }

  private record(
    ref: TaskRef,
    verdict: Verdict,
    latencyMs: number | null,
    tokensIn: number,
    tokensOut: number,
  ): void {
    const recorded = recordOutcome(this.ctx, {
      worker: ref.worker,
      category: ref.category,
      success: verdict.pass,
      notes: `eval ${ref.task}: ${verdict.detail}`,
      latencyMs: latencyMs ?? undefined,
      tokensIn,
      tokensOut,
      source: "eval",
    });
    this.report.recorded++;
    this.byStanding.set(`${ref.worker}\u0000${ref.category}`, {
      worker: ref.worker,
      category: ref.category,
      successes: recorded.profile.successes,
      n: recorded.profile.n,
      expected: recorded.profile.expected,
    });
    this.settle({
      ...ref,
      pass: verdict.pass,
      detail: verdict.detail,
      latencyMs,
      tokensIn,
      tokensOut,
    });
  }

  private settle(result: EvalResult): void {
    this.report.results.push(result);
    this.options.onResult?.({ done: this.report.results.length, total: this.total, result });
  }
}

function finish(report: EvalReport, started: number): EvalReport {
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
