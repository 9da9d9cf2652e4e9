import { open } from "node:fs/promises";
import { join } from "node:path";
import type { AppContext } from "../context.js";
import { errorMessage } from "../errors.js";
import { failureCountsAgainstWorker, ModelCallError } from "../runners/types.js";
import { writeCoderFiles } from "./coder-files.js";
import {
  buildCoderPrompt,
  CODER_ANSWER_SCHEMA,
  CODER_SYSTEM,
  type CurrentFile,
  type PreviousFailure,
  parseCoderAnswer,
} from "./coder-prompt.js";
import { diffWorktree } from "./diff.js";
import { verifyInWorktree } from "./implement-verify.js";
import type { ChangedFile } from "./report.js";
import type { CodeSpec } from "./spec.js";
import { escapesThroughSymlink } from "./spec-paths.js";
import { openWorktree, type Worktree } from "./worktree.js";

export interface AttemptInput {
  spec: CodeSpec;
  specMarkdown: string;
  alias: string;
  /** 1-based. */
  attempt: number;
  previous?: PreviousFailure | undefined;
  logFile: string;
  verificationTimeoutMs: number;
  signal: AbortSignal;
}

export interface AttemptResult {
  passed: boolean;
  exitCode: number | null;
  /** The verification digest, or why verification did not run. */
  digest: string;
  /** One line: "verification failed (exit 1)", "the coder's answer was unusable", … */
  summary: string;
  blockers: string[];
  deviations: string[];
  files: ChangedFile[];
  patch: string;
  /** Another attempt cannot do better: the verification command is refused by policy, or the coder cannot be asked (no host has its model, no key, no quota left). */
  hopeless: boolean;
  /** What the coder's answer cost; zeros when there was none. */
  usage: CoderUsage;
  /**
   * False when the call never reached the coder (no host or key, quota or rate limit spent, 5xx
   * after the retries, a fault of ours): the attempt says nothing about the coder's skill.
   * Too slow (a timeout) is the coder's own result.
   */
  reached: boolean;
}

export interface CoderUsage {
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
}

const NO_USAGE: CoderUsage = { tokensIn: 0, tokensOut: 0, latencyMs: 0 };

/**
 * One coder attempt in a fresh worktree at HEAD: ask the coder, write what it proposed, run the
 * verification command there, diff. The worktree is removed whatever happens, cancel included;
 * a cancelled attempt rejects with the signal's reason.
 */
export async function runAttempt(ctx: AppContext, input: AttemptInput): Promise<AttemptResult> {
  const { signal } = input;
  const worktree = await openWorktree(ctx.projectRoot, { signal });
  try {
    const result = await attemptIn(ctx, worktree, input);
    signal.throwIfAborted();
    return result;
  } finally {
    await worktree.remove();
  }
}

async function attemptIn(
  ctx: AppContext,
  worktree: Worktree,
  input: AttemptInput,
): Promise<AttemptResult> {
  const { spec, signal } = input;
  const answerText = await askCoder(ctx, worktree, input);
  if (!answerText.ok) {
    return {
      ...unverified(answerText.problem, "the coder call failed"),
      hopeless: answerText.final,
      reached: answerText.reached,
    };
  }
  const { usage } = answerText;
  const tooLarge = oversizedAnswer(answerText.text, ctx.config.squad.maxCoderAnswerBytes);
  if (tooLarge) return { ...unverified(tooLarge, "the coder's answer was too large"), usage };
  const parsed = parseCoderAnswer(answerText.text);
  if (!parsed.ok) {
    return {
      ...unverified(
        `the coder's answer was unusable: ${parsed.problem}`,
        "the coder's answer was not the JSON asked for",
      ),
      usage,
    };
  }
  const { answer } = parsed;
  const allowed = spec.files.map(({ path, action }) => ({ path, action }));
  const written = await writeCoderFiles(worktree, allowed, answer.files);
  const verification = await verifyInWorktree(ctx, {
    command: spec.verification,
    cwd: worktree.path,
    root: worktree.root,
    logFile: input.logFile,
    timeoutMs: input.verificationTimeoutMs,
    signal,
  });
  signal.throwIfAborted();
  const diff = await diffWorktree(worktree, { paths: spec.files.map((file) => file.path), signal });
  const actions = new Map(spec.files.map((file) => [file.path, file.action]));
  return {
    passed: verification.passed,
    exitCode: verification.exitCode,
    digest: verification.digest,
    summary: verification.summary,
    blockers: answer.blockers,
    deviations: [...written.deviations, ...answer.deviations],
    files: diff.files.map((file) => {
      const action = actions.get(file.path);
      return {
        path: file.path,
        added: file.added,
        removed: file.removed,
        ...(action ? { action } : {}),
      };
    }),
    patch: diff.patch,
    hopeless: verification.denied,
    usage,
    reached: true,
  };
}

/** `final`: asking again now cannot help (no host has the model, no key, the quota is spent). */
type CoderText =
  | { ok: true; text: string; usage: CoderUsage }
  | { ok: false; problem: string; final: boolean; reached: boolean };

const FINAL_FAILURES: ReadonlySet<string> = new Set(["unavailable", "quota_exhausted", "rejected"]);

async function askCoder(
  ctx: AppContext,
  worktree: Worktree,
  input: AttemptInput,
): Promise<CoderText> {
  const { signal } = input;
  const worker = ctx.config.workers[input.alias];
  if (!worker) {
    return {
      ok: false,
      problem: `unknown coder alias ${input.alias}`,
      final: true,
      reached: false,
    };
  }
  const prompt = buildCoderPrompt({
    specMarkdown: input.specMarkdown,
    currentFiles: await readModifyFiles(ctx, worktree, input.spec),
    previous: input.previous,
  });
  try {
    const models = await ctx.models();
    const answer = await models.generate({
      alias: input.alias,
      worker,
      system: CODER_SYSTEM,
      prompt,
      schema: CODER_ANSWER_SCHEMA,
      // A character takes at least one byte: past this many, the answer is refused anyway.
      maxAnswerChars: ctx.config.squad.maxCoderAnswerBytes,
      signal,
      timeoutMs: ctx.config.squad.modelTimeoutS * 1000,
    });
    return {
      ok: true,
      text: answer.text,
      usage: {
        tokensIn: answer.tokensIn,
        tokensOut: answer.tokensOut,
        latencyMs: answer.latencyMs - (answer.waitedMs ?? 0),
      },
    };
  } catch (error) {
    signal.throwIfAborted();
    return {
      ok: false,
      problem: `the coder call to ${input.alias} failed: ${errorMessage(error)}`,
      final: error instanceof ModelCallError && FINAL_FAILURES.has(error.kind),
      reached: failureCountsAgainstWorker(error),
    };
  }
}

/** The MODIFY files as they are at HEAD, each cut at the configured size limit. */
async function readModifyFiles(
  ctx: AppContext,
  worktree: Worktree,
  spec: CodeSpec,
): Promise<CurrentFile[]> {
  const limit = ctx.config.squad.maxFileBytes;
  const files: CurrentFile[] = [];
  for (const file of spec.files) {
    if (file.action !== "MODIFY") continue;
    // HEAD may hold a symlink the user's tree did not when the spec was checked.
    const read = escapesThroughSymlink(worktree.path, file.path)
      ? { content: "(not shown: it leads outside the project through a symlink)", truncated: false }
      : await readHead(join(worktree.path, file.path), limit);
    files.push({ path: file.path, ...read });
  }
  return files;
}

async function readHead(
  path: string,
  limit: number,
): Promise<{ content: string; truncated: boolean }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    return { content: `(could not be read: ${errorMessage(error)})`, truncated: false };
  }
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, limit));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { content: buffer.subarray(0, bytesRead).toString("utf8"), truncated: size > limit };
  } finally {
    await handle.close();
  }
}

/** Why an answer is too large to use, or null: nothing of it is written or diffed. */
function oversizedAnswer(text: string, maxBytes: number): string | null {
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit, so most answers skip the count.
  if (text.length * 3 <= maxBytes) return null;
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return null;
  return `the coder's answer is over squad.maxCoderAnswerBytes (${maxBytes} bytes; ${bytes} read before it was refused); nothing of it was written — ask for fewer or smaller files`;
}

/** An attempt that ended before verification: the problem is a blocker and the next prompt's news. */
function unverified(problem: string, summary: string): AttemptResult {
  return {
    passed: false,
    exitCode: null,
    digest: problem,
    summary,
    blockers: [problem],
    deviations: [],
    files: [],
    patch: "",
    hopeless: false,
    usage: NO_USAGE,
    reached: true,
  };
}
