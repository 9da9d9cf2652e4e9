import type { AppContext } from "../context.js";
import { UserInputError } from "../errors.js";
import { newValidationId } from "../memory/validations.js";
import { recordOutcome } from "../routing/record-outcome.js";
import { AttachmentError, readAttachments } from "../runners/attachments.js";
import { type ChecksInput, countChecks, prepareChecks, runChecks } from "./checks.js";
import { askValidator, type ValidatorCall } from "./validator.js";
import { type CheckOutcome, decideVerdict, type ValidatorPart } from "./verdict.js";

export interface ValidateRequest {
  task: string;
  output?: string | undefined;
  files?: string[] | undefined;
  checks?: ChecksInput | undefined;
  validator?: string | undefined;
  minConfidence: number;
  decisionId?: string | undefined;
}

export interface ValidationResult {
  validation_id: string;
  pass: boolean;
  escalate: boolean;
  confidence: number;
  issues: string[];
  checks: CheckOutcome[];
  validator: ValidatorCall | null;
  /** Why the validator model did not judge, when it did not. */
  validator_note: string | null;
  /** The outcome logged for the routed worker, when a decision_id was given. */
  outcome: { outcome_id: number; worker: string; effect: string } | null;
}

/**
 * Checks that run first, then a validator model that reads them as evidence; the verdict
 * rests on both. With a decision_id the routed worker's record learns from it.
 */
export async function validateOutput(
  ctx: AppContext,
  request: ValidateRequest,
  signal: AbortSignal,
): Promise<ValidationResult> {
  if (request.output === undefined && !request.files?.length) {
    throw new UserInputError("output", "give the output to check, files, or both");
  }
  const alias = request.validator ?? ctx.config.roles.validator;
  const worker = ctx.config.workers[alias];
  if (!worker) {
    throw new UserInputError(
      "validator",
      `unknown worker '${alias}'; expected one of ${Object.keys(ctx.config.workers).join(", ")}`,
    );
  }
  if (request.decisionId && !ctx.store.decisions.get(request.decisionId)) {
    throw new UserInputError(
      "decision_id",
      `no routing decision '${request.decisionId}'; use the decision_id route_task returned`,
    );
  }
  const prepared = prepareChecks(request.checks);
  const files = await readFiles(ctx, request.files ?? []);
  const validationId = newValidationId();
  const output = [request.output, ...files.map((file) => `File: ${file.path}\n${file.content}`)]
    .filter((part) => part !== undefined)
    .join("\n\n");
  const jsonText = request.output ?? (files.length === 1 ? (files[0]?.content ?? "") : output);

  const checks = await runChecks(ctx, prepared, { validationId, text: output, jsonText }, signal);
  const { part, call } = await askValidator(
    await ctx.models(),
    alias,
    worker,
    { task: request.task, output, checks },
    signal,
  );
  const verdict = decideVerdict(checks, part, request.minConfidence);
  // Only a verdict something reached says anything about the worker: with no validator
  // answer and no checks, nothing is recorded against it.
  const judged = part.kind === "answered" || checks.length > 0;
  const outcome =
    request.decisionId && judged
      ? logValidationOutcome(ctx, request.decisionId, verdict, call)
      : null;
  ctx.store.validations.save({
    id: validationId,
    createdAt: ctx.now(),
    task: request.task,
    decisionId: request.decisionId ?? null,
    ...verdict,
    checks,
    validator: call,
    outcomeId: outcome?.outcome_id ?? null,
  });
  return {
    validation_id: validationId,
    ...verdict,
    checks,
    validator: call,
    validator_note: validatorNote(part, countChecks(prepared), Boolean(request.decisionId)),
    outcome,
  };
}

async function readFiles(ctx: AppContext, paths: readonly string[]) {
  try {
    const roots = [ctx.projectRoot, ...ctx.config.commands.roots];
    return await readAttachments(paths, roots, ctx.config.squad.maxFileBytes);
  } catch (error) {
    if (error instanceof AttachmentError) {
      throw new UserInputError("files", error.message.replace(/^files: /, ""));
    }
    throw error;
  }
}

function logValidationOutcome(
  ctx: AppContext,
  decisionId: string,
  verdict: { pass: boolean; confidence: number; issues: string[] },
  call: ValidatorCall | null,
) {
  const recorded = recordOutcome(ctx, {
    decisionId,
    success: verdict.pass,
    score: verdict.confidence,
    notes: verdict.issues.length ? verdict.issues.join("; ") : undefined,
    source: "validation",
    tokensIn: call?.tokens_in,
    tokensOut: call?.tokens_out,
  });
  return {
    outcome_id: recorded.outcomeId,
    worker: recorded.profile.worker,
    effect: recorded.effect,
  };
}

function validatorNote(part: ValidatorPart, checks: number, logging: boolean): string | null {
  if (part.kind === "answered") return null;
  const base = part.kind === "failed" ? part.why : `validator not usable: ${part.why}`;
  if (checks > 0) return `${base}; the verdict rests on the checks`;
  return logging ? `nothing judged the output, so no outcome was recorded (${base})` : base;
}
