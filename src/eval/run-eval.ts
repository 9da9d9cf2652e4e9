import { performance } from "node:perf_hooks";
import type { Category } from "../config.js";
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
  const snapshot = await ctx.availability.snapshot();
  const unusable: EvalReport["unusable"] = [];
  const usable: string[] = [];
  for (const worker of workers) {
    const availability = snapshot.workers.get(worker);
    if (availability?.usable) usable.push(worker);
    else unusable.push({ worker, reason: availability?.reason ?? "not known to availability" });
  }
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

  const models = await ctx.models();
  const total = usable.length * tasks.length;
  const standings = new Map<string, Standing>();
  const policy: CheckPolicy = {
    runner: ctx.commands,
    timeoutMs: CHECK_TIMEOUT_MS,
    signal: options.signal,
  };

  const settle = (result: EvalResult) => {
    report.results.push(result);
    options.onResult?.({ done: report.results.length, total, result });
  };

  const evaluateWorker = async (alias: string) => {
    const worker = ctx.config.workers[alias];
    if (!worker) return;
    let givenUp: string | null = null;
    for (const task of tasks) {
      if (options.signal?.aborted) return;
      const base = { worker: alias, task: task.id, category: task.category };
      // Nothing is recorded for what was not measured.
      const notMeasured = (detail: string) =>
        settle({ ...base, pass: null, detail, latencyMs: null, tokensIn: 0, tokensOut: 0 });
      if (givenUp !== null) {
        notMeasured(givenUp);
        continue;
      }
      let answer: Awaited<ReturnType<typeof models.generate>>;
      try {
        answer = await models.generate(
          {
            alias,
            worker,
            system: EVAL_SYSTEM,
            prompt: taskPrompt(task),
            schema: answerShape(task),
            timeoutMs: ctx.config.squad.modelTimeoutS * 1000,
            signal: options.signal,
            onWait: (wait) =>
              options.onWait?.({ done: report.results.length, total, worker: alias, ...wait }),
          },
          { runId: null, taskId: `eval:${task.id}` },
        );
      } catch (error) {
        const kind = error instanceof ModelCallError ? error.kind : "error";
        if (kind === "cancelled" || options.signal?.aborted) return;
        const detail = `no answer: ${errorMessage(error)}`.slice(0, 200);
        // Too slow is a verdict on the worker; no host, no key, a spent quota, a rate limit,
        // a 5xx or a fault of ours say nothing about its skill, so nothing is recorded.
        if (failureCountsAgainstWorker(error)) {
          record(base, { pass: false, detail }, null, 0, 0);
        } else {
          if (GIVE_UP.has(kind)) givenUp = detail;
          notMeasured(detail);
        }
        continue;
      }
      let verdict: { pass: boolean; detail: string };
      try {
        verdict = await checkAnswer(task, answer.text, policy);
      } catch (error) {
        if (options.signal?.aborted) return;
        const detail = `the checker could not run: ${errorMessage(error)}`.slice(0, 200);
        notMeasured(detail);
        continue;
      }
      if (options.signal?.aborted) return;
      // The worker's own time: waits for a per-minute slot say nothing about its speed.
      const latencyMs = Math.max(0, Math.round(answer.latencyMs - (answer.waitedMs ?? 0)));
      record(base, verdict, latencyMs, answer.tokensIn, answer.tokensOut);
    }
  };

  const record = (
    base: { worker: string; task: string; category: Category },
    verdict: { pass: boolean; detail: string },
    latencyMs: number | null,
    tokensIn: number,
    tokensOut: number,
  ) => {
    const recorded = recordOutcome(ctx, {
      worker: base.worker,
      category: base.category,
      success: verdict.pass,
      notes: `eval ${base.task}: ${verdict.detail}`,
      latencyMs: latencyMs ?? undefined,
      tokensIn,
      tokensOut,
      source: "eval",
    });
    report.recorded++;
    standings.set(`${base.worker}\u0000${base.category}`, {
      worker: base.worker,
      category: base.category,
      successes: recorded.profile.successes,
      n: recorded.profile.n,
      expected: recorded.profile.expected,
    });
    settle({ ...base, pass: verdict.pass, detail: verdict.detail, latencyMs, tokensIn, tokensOut });
  };

  const local = usable.filter((alias) => ctx.config.workers[alias]?.provider === "ollama");
  const cloud = usable.filter((alias) => ctx.config.workers[alias]?.provider !== "ollama");
  const localChain = async () => {
    for (const alias of local) await evaluateWorker(alias);
  };
  await Promise.all([localChain(), ...cloud.map((alias) => evaluateWorker(alias))]);
  report.standings = [...standings.values()];
  report.cancelled = options.signal?.aborted ?? false;
  return finish(report, started);
}

function finish(report: EvalReport, started: number): EvalReport {
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
