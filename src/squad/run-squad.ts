import { availableParallelism } from "node:os";
import { join } from "node:path";
import { DEFAULT_MAX_CONCURRENT } from "../config.js";
import type { AppContext } from "../context.js";
import { diskFullPath } from "../errors.js";
import { newRunId } from "../memory/runs.js";
import { routeTask } from "../routing/route-task.js";
import type { ModelBackends } from "../runners/models.js";
import { type ActiveRun, activeRuns, type ProgressUpdate } from "./active-runs.js";
import { executeCommand } from "./execute-command.js";
import { executePrompt } from "./execute-prompt.js";
import { outcomeWithout, type TaskOutcome } from "./outcome.js";
import { type PlannedPrompt, type PlannedTask, planSquad, type TaskInput } from "./plan.js";
import { describeFinish, describeStart } from "./progress.js";
import { saveFinished, saveOutcome, saveRunStart, saveStarted } from "./records.js";
import {
  type PromptRoute,
  type ScheduledTask,
  type SchedulerHooks,
  type SchedulerOptions,
  SquadScheduler,
} from "./scheduler.js";

export interface SquadRequest {
  tasks: TaskInput[];
  concurrency?: number | undefined;
  failFast: boolean;
}

/** Where a task's full output is kept. */
export function taskLogFile(ctx: AppContext, runId: string, taskId: string): string {
  // Ids may hold ':'; encoding keeps `a:b` and `a_b` apart and the name portable.
  return join(ctx.squadHome, "runs", runId, `${encodeURIComponent(taskId)}.log`);
}

/**
 * Checks and starts a squad; the returned run finishes in the background. Input errors are
 * thrown before anything is stored or started.
 */
export async function startSquad(
  ctx: AppContext,
  models: ModelBackends,
  request: SquadRequest,
  onProgress?: (update: ProgressUpdate) => void,
): Promise<ActiveRun> {
  const scheduled = await routeAll(ctx, models, planSquad(request.tasks, ctx.config));
  const runId = newRunId();
  saveRunStart(ctx, runId, scheduled);
  const controller = new AbortController();
  const progress = new RunProgress(scheduled.length, onProgress);
  const scheduler = new SquadScheduler<TaskOutcome>(
    scheduled,
    taskHooks(ctx, models, runId, progress),
    schedulerOptions(ctx, request, controller.signal),
  );
  const runs = activeRuns(ctx);
  const run: ActiveRun = {
    id: runId,
    finished: finishWhenDone(ctx, runId, scheduler, controller.signal).finally(() =>
      runs.delete(runId),
    ),
    cancel: (reason) => controller.abort(reason),
    listeners: progress.listeners,
  };
  runs.set(runId, run);
  return run;
}

/** Each prompt task with its worker (or why it has none); command tasks as planned. */
async function routeAll(
  ctx: AppContext,
  models: ModelBackends,
  planned: PlannedTask[],
): Promise<ScheduledTask[]> {
  if (planned.some((task) => task.kind === "prompt")) await models.refresh();
  return Promise.all(
    planned.map(
      async (task): Promise<ScheduledTask> =>
        task.kind === "prompt" ? { ...task, route: await routePrompt(ctx, task) } : task,
    ),
  );
}

/** Progress for the client: a step when a task starts and one when it finishes. */
class RunProgress {
  readonly listeners: Set<(update: ProgressUpdate) => void>;
  private events = 0;
  private done = 0;
  private readonly started = new Set<string>();

  constructor(
    private readonly tasks: number,
    onProgress?: (update: ProgressUpdate) => void,
  ) {
    this.listeners = new Set(onProgress ? [onProgress] : []);
  }

  start(task: ScheduledTask): void {
    this.started.add(task.id);
    this.emit(describeStart(task, this.done, this.tasks), 1);
  }

  finish(task: ScheduledTask, outcome: TaskOutcome): void {
    this.done++;
    // A task settled without starting (skipped, cancelled) takes both its steps at once.
    this.emit(
      describeFinish(task, outcome, this.done, this.tasks),
      this.started.has(task.id) ? 1 : 2,
    );
  }

  private emit(message: string, steps: number): void {
    this.events += steps;
    const update = { progress: this.events, total: this.tasks * 2, message };
    for (const listener of this.listeners) listener(update);
  }
}

/** How the scheduler runs, settles and reports each task of run `runId`. */
function taskHooks(
  ctx: AppContext,
  models: ModelBackends,
  runId: string,
  progress: RunProgress,
): SchedulerHooks<TaskOutcome> {
  return {
    runCommand: (task, signal) =>
      executeCommand(ctx, { ...task, logFile: taskLogFile(ctx, runId, task.id), signal }),
    runPrompt: (task, host, signal) => {
      const route = task.route;
      if ("error" in route) return Promise.resolve(outcomeWithout("error", route.error));
      const logFile = taskLogFile(ctx, runId, task.id);
      return executePrompt(ctx, models, task, route, host, { runId, logFile }, signal).catch(
        (error: unknown) => {
          const full = diskFullPath(error, ctx.store.file, logFile);
          if (!full) throw error;
          return outcomeWithout("error", `disk full writing ${full}`, {
            decisionId: route.decisionId,
          });
        },
      );
    },
    settle: (task, status, why) =>
      outcomeWithout(status, why, {
        decisionId: task.kind === "prompt" ? task.route.decisionId : null,
      }),
    onStart: (task) => {
      saveStarted(ctx, runId, task.id);
      progress.start(task);
    },
    onFinish: (task, outcome) => {
      saveOutcome(ctx, runId, task.id, outcome);
      progress.finish(task, outcome);
    },
    ollamaHosts: () => models.ollamaHosts(),
  };
}

function schedulerOptions(
  ctx: AppContext,
  request: SquadRequest,
  signal: AbortSignal,
): SchedulerOptions {
  return {
    commandConcurrency:
      request.concurrency ?? ctx.config.squad.concurrency ?? availableParallelism(),
    geminiConcurrency: ctx.config.gemini.concurrency,
    aliasConcurrency: (alias) => ctx.config.workers[alias]?.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    ollama: {
      maxLoaded: ctx.config.ollama.maxLoadedModels,
      numParallel: ctx.config.ollama.numParallel,
    },
    failFast: request.failFast,
    signal,
  };
}

/** Runs the squad to its end and records how the run ended; never rejects. */
async function finishWhenDone(
  ctx: AppContext,
  runId: string,
  scheduler: SquadScheduler<TaskOutcome>,
  signal: AbortSignal,
): Promise<void> {
  try {
    await scheduler.run();
    saveFinished(ctx, runId, signal.aborted ? "cancelled" : "done");
  } catch (error) {
    ctx.logger.error(`run ${runId} failed inside squad-mcp: ${String(error)}`);
    saveFinished(ctx, runId, "cancelled");
  }
}

/**
 * The one place a prompt task's worker is resolved: the alias it names (the plan has checked
 * it exists), or the one route_task would choose.
 */
async function routePrompt(ctx: AppContext, task: PlannedPrompt): Promise<PromptRoute> {
  if (task.worker !== undefined) return resolved(ctx, task.worker, null);
  const routed = await routeTask(ctx, {
    task: task.prompt,
    context: { files: task.files.length, paths: task.files },
    exclude: [],
  });
  const { decision } = routed;
  if (decision.route === "host" || decision.worker === null) {
    return {
      error: `route_task keeps this with the host: ${decision.rationale}. Give the task a worker to run it anyway.`,
      decisionId: routed.decisionId,
    };
  }
  return resolved(ctx, decision.worker, routed.decisionId);
}

function resolved(ctx: AppContext, alias: string, decisionId: string | null): PromptRoute {
  const worker = ctx.config.workers[alias];
  if (!worker) return { error: `unknown worker '${alias}'`, decisionId };
  return { alias, provider: worker.provider, model: worker.model, worker, decisionId };
}

/**
 * For shutdown: stops every run this process executes, kills their process groups at once and
 * marks the runs interrupted (the host did not cancel them; a restart will not resume them).
 */
export function interruptAllRuns(ctx: AppContext): number {
  const runs = activeRuns(ctx);
  for (const run of runs.values()) run.cancel("the server is shutting down");
  ctx.commands.shutdown();
  for (const run of runs.values()) saveFinished(ctx, run.id, "interrupted");
  return runs.size;
}
