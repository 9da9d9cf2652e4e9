import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { AppContext } from "../context.js";
import { errorMessage } from "../errors.js";
import { AttachmentError, composePrompt, readAttachments } from "../runners/attachments.js";
import type { ModelBackends } from "../runners/models.js";
import { type ModelAnswer, ModelCallError } from "../runners/types.js";
import { outcomeWithout, type TaskOutcome } from "./outcome.js";
import type { PlannedPrompt } from "./plan.js";
import type { ModelRoute } from "./scheduler.js";
import type { FinalTaskStatus } from "./status.js";

export interface PromptRunIds {
  runId: string;
  logFile: string;
}

/** Sends one prompt task to its worker; the answer goes to the log, a bounded copy to the host. */
export async function executePrompt(
  ctx: AppContext,
  models: ModelBackends,
  task: PlannedPrompt,
  route: ModelRoute,
  host: string | null,
  ids: PromptRunIds,
  signal: AbortSignal,
): Promise<TaskOutcome> {
  const who = { worker: route.alias, model: route.model, decisionId: route.decisionId };
  const { worker } = route;
  let prompt: string;
  let fileBytes = 0;
  try {
    const roots = [ctx.projectRoot, ...ctx.config.commands.roots];
    const files = await readAttachments(task.files, roots, ctx.config.squad.maxFileBytes);
    fileBytes = files.reduce((sum, file) => sum + file.bytes, 0);
    prompt = composePrompt(task.prompt, files);
  } catch (error) {
    if (error instanceof AttachmentError) return outcomeWithout("error", error.message, who);
    throw error;
  }
  const started = Date.now();
  try {
    const answer = await models.generate(
      {
        alias: route.alias,
        worker,
        system: task.system,
        prompt,
        signal,
        timeoutMs: task.timeoutMs,
        preferHost: host,
      },
      { runId: ids.runId, taskId: task.id },
    );
    await writeLog(ids.logFile, task, prompt, answer.text);
    return answered(answer, ctx.config.squad.digestChars, { ...who, fileBytes, ids });
  } catch (error) {
    const status = failureStatus(error);
    const message = errorMessage(error);
    await writeLog(ids.logFile, task, prompt, `(no answer: ${message})`);
    return outcomeWithout(status, message, {
      ...who,
      durationMs: Date.now() - started,
      fileBytes,
      logFile: ids.logFile,
    });
  }
}

function answered(
  answer: ModelAnswer,
  maxChars: number,
  meta: { decisionId: string | null; fileBytes: number; ids: PromptRunIds },
): TaskOutcome {
  const notes = [...answer.notes];
  const head = notes.length ? `${notes.join("; ")}\n` : "";
  const room = Math.max(0, maxChars - head.length);
  const text = answer.text.trim();
  const body =
    text.length <= room
      ? text
      : `${text.slice(0, Math.max(0, room - 60))}\n… (${text.length - room + 60} more characters in the log)`;
  const summary = `${answer.alias} answered: ${answer.tokensOut} tokens${answer.truncated ? " (prompt was cut to fit the context window)" : ""}`;
  return {
    ...outcomeWithout("ok", `${head}${body}`),
    worker: answer.alias,
    model: answer.model,
    host: answer.host,
    summary,
    durationMs: answer.latencyMs,
    rawBytes: Buffer.byteLength(answer.text),
    fileBytes: meta.fileBytes,
    logFile: meta.ids.logFile,
    tokensIn: answer.tokensIn,
    tokensOut: answer.tokensOut,
    decisionId: meta.decisionId,
    notes,
  };
}

function failureStatus(error: unknown): FinalTaskStatus {
  if (error instanceof ModelCallError) {
    if (error.kind === "cancelled") return "cancelled";
    if (error.kind === "timeout") return "timeout";
  }
  return "error";
}

async function writeLog(file: string, task: PlannedPrompt, prompt: string, answer: string) {
  await mkdir(dirname(file), { recursive: true });
  const system = task.system ? `## system\n${task.system}\n\n` : "";
  await writeFile(file, `${system}## prompt\n${prompt}\n\n## answer\n${answer}\n`);
}
