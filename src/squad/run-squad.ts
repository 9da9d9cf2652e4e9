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
import { type PlannedPrompt, planSquad, type TaskInput } from "./plan.js";
import { describeFinish, describeStart } from "./progress.js";
import { saveFinished, saveOutcome, saveStarted } from "./records.js";
import { type PromptRoute, type ScheduledTask, SquadScheduler } from "./scheduler.js";

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
  const planned = planSquad(request.tasks, ctx.config);
  if (planned.some((task) => task.kind === "prompt")) await models.refresh();
  const scheduled = await Promise.all(
    planned.map(
      async (task): Promise<ScheduledTask> =>
        task.kind === "prompt" ? { ...task, route: await routePrompt(ctx, task) } : task,
    ),
  );
  const runId = newRunId();
  const createdAt = ctx.now();
  ctx.store.runs.start(
    { id: runId, createdAt, pid: process.pid, project: ctx.projectRoot },
    scheduled.map((task) => ({
      taskId: task.id,
      position: task.position,
      kind: task.kind,
      label: task.label,
      worker: task.kind === "prompt" && "alias" in task.route ? task.route.alias : null,
    })),
  );
  const controller = new AbortController();
  const listeners = new Set<(update: ProgressUpdate) => void>(onProgress ? [onProgress] : []);
  let events = 0;
  const total = scheduled.length * 2;
  let done = 0;
  const started = new Set<string>();
  const emit = (message: string, steps: number) => {
    events += steps;
    for (const listener of listeners) listener({ progress: events, total, message });
  };

  const scheduler = new SquadScheduler<TaskOutcome>(
    scheduled,
    {
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
        started.add(task.id);
        emit(describeStart(task, done, scheduled.length), 1);
      },
      onFinish: (task, outcome) => {
        done++;
        saveOutcome(ctx, runId, task.id, outcome);
        emit(describeFinish(task, outcome, done, scheduled.length), started.has(task.id) ? 1 : 2);
      },
      ollamaHosts: () => models.ollamaHosts(),
    },
    {
      commandConcurrency:
        request.concurrency ?? ctx.config.squad.concurrency ?? availableParallelism(),
      geminiConcurrency: ctx.config.gemini.concurrency,
      aliasConcurrency: (alias) =>
        ctx.config.workers[alias]?.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
      ollama: {
        maxLoaded: ctx.config.ollama.maxLoadedModels,
        numParallel: ctx.config.ollama.numParallel,
      },
      failFast: request.failFast,
      signal: controller.signal,
    },
  );

  const runs = activeRuns(ctx);
  const finished = scheduler
    .run()
    .then(() => {
      saveFinished(ctx, runId, controller.signal.aborted ? "cancelled" : "done");
    })
    .catch((error: unknown) => {
      ctx.logger.error(`run ${runId} failed inside squad-mcp: ${String(error)}`);
      saveFinished(ctx, runId, "cancelled");
    })
    .finally(() => runs.delete(runId));
  const run: ActiveRun = {
    id: runId,
    finished,
    cancel: (reason) => controller.abort(reason),
    listeners,
  };
  runs.set(runId, run);
  return run;
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
