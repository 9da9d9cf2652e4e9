import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { AppContext } from "../context.js";
import { errorMessage, UserInputError } from "../errors.js";
import { recordOutcome } from "../routing/record-outcome.js";
import { capList, capObjects } from "../text/cap-list.js";
import type { PreviousFailure } from "./coder-prompt.js";
import { type AttemptResult, type CoderUsage, runAttempt } from "./implement-attempt.js";
import type { CandidateResult, ChangedFile, CodeReport } from "./report.js";
import { checkSquadFolder, reportUri, writeReportFiles } from "./spec-files.js";
import { renderReport, renderSpec } from "./spec-markdown.js";
import { codeSpecs, type StoredCodeSpec } from "./spec-records.js";

export interface ImplementRequest {
  specId: string;
  /** One alias implements the spec; several compete on it and the best is kept. Empty: the `coder` role. */
  coders: string[];
  /** Attempts per coder; each after the first is told why the previous one failed. */
  maxAttempts: number;
  /** Verification timeout; default `commands.timeoutS` from the config. */
  timeoutMs?: number | undefined;
}

export interface ImplementResult {
  spec_id: string;
  verdict: "pass" | "fail";
  attempts: number;
  worker: string;
  files_changed: ChangedFile[];
  verification: { exit_code: number | null; digest: string };
  blockers: string[];
  deviations: string[];
  /** Absolute path of the saved patch (`.squad/specs/CS-NNN.patch`); absent when no coder was reached. */
  patch?: string;
  /** Present (false) only when no coder could be reached: nothing was recorded against one. */
  coder_reached?: false;
  /** `squad://specs/CS-NNN/report`. */
  report: string;
  /** Competitive mode: every coder, best first. */
  candidates?: CandidateResult[];
}

/** One coder's attempts on the spec: how many it took and the last one's result. */
interface CoderRun {
  alias: string;
  attempts: number;
  last: AttemptResult;
  /** Summed over the attempts: what asking this coder cost. */
  usage: CoderUsage;
  /** Some attempt reached the coder; otherwise the run says nothing about its skill. */
  reached: boolean;
}

interface CoderJob {
  stored: StoredCodeSpec;
  specMarkdown: string;
  alias: string;
  maxAttempts: number;
  logDir: string;
  /** Competitive runs share the log folder, so their logs carry the alias. */
  logSuffix: string;
  verificationTimeoutMs: number;
  signal: AbortSignal;
  onProgress: (message: string) => void;
}

/**
 * Has coder models implement a stored Code Spec in throwaway worktrees, verifies each attempt
 * with the spec's command, and saves the Code Report and patch beside the spec. The user's
 * working tree is not touched. Rejects with the signal's reason when cancelled, after every
 * worktree is gone.
 */
export async function implementSpec(
  ctx: AppContext,
  request: ImplementRequest,
  signal: AbortSignal,
  onProgress: (message: string) => void = () => {},
): Promise<ImplementResult> {
  const stored = codeSpecs(ctx.store).get(ctx.projectRoot, request.specId);
  if (!stored) {
    throw new UserInputError(
      "spec_id",
      `no spec "${request.specId}" in this project; use the spec_id write_code_spec returned`,
    );
  }
  checkSquadFolder(ctx.projectRoot);
  const coders = checkCoders(ctx, request.coders);
  const maxAttempts = checkMaxAttempts(request.maxAttempts);
  const specMarkdown = await readSpecMarkdown(stored);
  const competitive = coders.length > 1;
  const jobs = coders.map(
    (alias): CoderJob => ({
      stored,
      specMarkdown,
      alias,
      maxAttempts,
      logDir: join(ctx.squadHome, "specs", projectKey(ctx.projectRoot), stored.id),
      logSuffix: competitive ? `.${alias}` : "",
      verificationTimeoutMs: request.timeoutMs ?? ctx.config.commands.timeoutS * 1000,
      signal,
      onProgress,
    }),
  );
  const runs = await allOrFirstFailure(jobs.map((job) => runCoder(ctx, job)));
  signal.throwIfAborted();
  const ranked = rankRuns(runs);
  const report = buildReport(stored, ranked, competitive);
  const reached = ranked[0]?.reached === true;
  const { reportPath, patchPath } = writeReportFiles(
    ctx.projectRoot,
    stored.id,
    renderReport(report),
    reached ? (ranked[0]?.last.patch ?? "") : null,
  );
  codeSpecs(ctx.store).saveReport(ctx.projectRoot, {
    specId: stored.id,
    createdAt: ctx.now(),
    report,
    reportPath,
    patchPath,
  });
  for (const run of runs) if (run.reached) logOutcome(ctx, stored.id, run);
  return resultOf(report, patchPath);
}

/** Files changed listed in a result; the report lists them all. */
const MAX_RESULT_FILES = 20;

/** The result the host reads: the report with every coder-controlled list capped. */
function resultOf(report: CodeReport, patchPath: string | null): ImplementResult {
  const uri = reportUri(report.spec_id);
  return {
    spec_id: report.spec_id,
    verdict: report.verdict,
    attempts: report.attempts,
    worker: report.worker,
    files_changed: capObjects(report.files_changed, MAX_RESULT_FILES, (rest) => ({
      path: `… and ${rest.length} more files (${uri})`,
      added: rest.reduce((sum, file) => sum + file.added, 0),
      removed: rest.reduce((sum, file) => sum + file.removed, 0),
    })),
    verification: {
      exit_code: report.verification.exit_code,
      digest: report.verification.digest,
    },
    blockers: capList(report.blockers, uri),
    deviations: capList(report.deviations, uri),
    ...(patchPath === null ? { coder_reached: false as const } : { patch: patchPath }),
    report: uri,
    ...(report.candidates
      ? {
          candidates: report.candidates.map((candidate) => ({
            ...candidate,
            blockers: capList(candidate.blockers, uri),
            deviations: capList(candidate.deviations, uri),
          })),
        }
      : {}),
  };
}

function checkCoders(ctx: AppContext, requested: readonly string[]): string[] {
  const coders = requested.length > 0 ? [...requested] : [ctx.config.roles.coder];
  const known = Object.keys(ctx.config.workers);
  coders.forEach((alias, index) => {
    const field = coders.length > 1 ? `coders[${index}]` : "coder";
    if (!ctx.config.workers[alias]) {
      throw new UserInputError(
        field,
        `unknown alias "${alias}"; expected one of ${known.join(", ")}`,
      );
    }
    if (coders.indexOf(alias) !== index) {
      throw new UserInputError(field, `"${alias}" is listed twice; name each coder once`);
    }
  });
  return coders;
}

function checkMaxAttempts(maxAttempts: number): number {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new UserInputError("max_attempts", `${maxAttempts} is not a whole number of at least 1`);
  }
  return maxAttempts;
}

/** The spec as the host wrote it (with any batch header); rendered again if the file is gone. */
async function readSpecMarkdown(stored: StoredCodeSpec): Promise<string> {
  if (stored.markdownPath) {
    const text = await readFile(stored.markdownPath, "utf8").catch(() => null);
    if (text !== null) return text;
  }
  return renderSpec(stored.id, stored.spec);
}

/**
 * Spec ids restart at CS-001 in every project while $SQUAD_HOME is shared by all of them, so
 * attempt logs go under a folder named after the project and a hash of its path.
 */
function projectKey(projectRoot: string): string {
  const hash = createHash("sha256").update(projectRoot).digest("hex").slice(0, 8);
  const name = basename(projectRoot).replace(/[^A-Za-z0-9._-]/g, "_") || "project";
  return `${name}-${hash}`;
}

/**
 * Waits for every coder, so no worktree is still being removed when this settles, then fails
 * with the first failure if there was one.
 */
async function allOrFirstFailure<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

async function runCoder(ctx: AppContext, job: CoderJob): Promise<CoderRun> {
  const { stored, alias, maxAttempts } = job;
  let previous: PreviousFailure | undefined;
  const usage: CoderUsage = { tokensIn: 0, tokensOut: 0, latencyMs: 0 };
  let reached = false;
  for (let attempt = 1; ; attempt += 1) {
    const last = await runAttempt(ctx, {
      spec: stored.spec,
      specMarkdown: job.specMarkdown,
      alias,
      attempt,
      previous,
      logFile: join(job.logDir, `attempt-${attempt}${job.logSuffix}.log`),
      verificationTimeoutMs: job.verificationTimeoutMs,
      signal: job.signal,
    });
    usage.tokensIn += last.usage.tokensIn;
    usage.tokensOut += last.usage.tokensOut;
    usage.latencyMs += last.usage.latencyMs;
    reached ||= last.reached;
    job.onProgress(`${stored.id} attempt ${attempt}/${maxAttempts} on ${alias}: ${last.summary}`);
    if (last.passed || last.hopeless || attempt >= maxAttempts) {
      return { alias, attempts: attempt, last, usage, reached };
    }
    previous = { attempt, summary: last.summary, details: last.digest };
  }
}

/**
 * Best first: verification passed, then a coder that was reached, then fewer blockers and
 * deviations, then the smaller diff.
 */
function rankRuns(runs: readonly CoderRun[]): CoderRun[] {
  const key = (run: CoderRun) => [
    run.last.passed ? 0 : 1,
    run.reached ? 0 : 1,
    run.last.blockers.length + run.last.deviations.length,
    run.last.files.reduce((sum, file) => sum + file.added + file.removed, 0),
  ];
  // Array.prototype.sort is stable: ties keep the order the coders were given in.
  return [...runs].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i += 1) {
      const difference = (ka[i] ?? 0) - (kb[i] ?? 0);
      if (difference !== 0) return difference;
    }
    return 0;
  });
}

function buildReport(stored: StoredCodeSpec, ranked: readonly CoderRun[], competitive: boolean) {
  const best = ranked[0];
  if (!best) throw new Error("no coder ran");
  const report: CodeReport = {
    spec_id: stored.id,
    verdict: best.last.passed ? "pass" : "fail",
    attempts: best.attempts,
    worker: best.alias,
    files_changed: best.last.files,
    verification: {
      command: stored.spec.verification,
      exit_code: best.last.exitCode,
      digest: best.last.digest,
    },
    blockers: best.last.blockers,
    deviations: best.last.deviations,
  };
  if (competitive) report.candidates = ranked.map(candidateOf);
  return report;
}

function candidateOf(run: CoderRun): CandidateResult {
  return {
    worker: run.alias,
    verdict: run.last.passed ? "pass" : "fail",
    attempts: run.attempts,
    files_changed: run.last.files.length,
    blockers: run.last.blockers,
    deviations: run.last.deviations,
  };
}

/** Routing learns from every coder that ran; a failure to record must not lose the report. */
function logOutcome(ctx: AppContext, specId: string, run: CoderRun): void {
  try {
    recordOutcome(ctx, {
      worker: run.alias,
      category: "codegen",
      success: run.last.passed,
      notes: `${specId}: ${run.last.summary} after ${run.attempts} attempt${run.attempts === 1 ? "" : "s"}`,
      // The coder's model time and tokens over every attempt (verification time is not its).
      latencyMs: run.usage.latencyMs > 0 ? Math.round(run.usage.latencyMs) : undefined,
      tokensIn: run.usage.tokensIn,
      tokensOut: run.usage.tokensOut,
      source: "validation",
    });
  } catch (error) {
    ctx.logger.warn(
      `could not log the outcome of ${run.alias} on ${specId}: ${errorMessage(error)}`,
    );
  }
}
