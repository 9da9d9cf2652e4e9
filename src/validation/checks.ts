import { join } from "node:path";
import type { AppContext } from "../context.js";
import { runAndDigest } from "../runners/command-outcome.js";
import { oneLine } from "../text/clip.js";
import { type BoundedJsonCheck, prepareJsonCheck } from "./json-check-worker.js";
import { type CompiledPattern, compilePatterns, matchPatterns } from "./safe-regex.js";
import type { CheckOutcome } from "./verdict.js";

export interface ChecksInput {
  commands?: string[] | undefined;
  cwd?: string | undefined;
  must_match?: string[] | undefined;
  must_not_match?: string[] | undefined;
  json_schema?: Record<string, unknown> | undefined;
}

/** Checks with their patterns and schema compiled: what can be wrong with them already was. */
export interface PreparedChecks {
  commands: string[];
  cwd: string | undefined;
  mustMatch: CompiledPattern[];
  mustNotMatch: CompiledPattern[];
  json: BoundedJsonCheck | null;
}

/** Compiles patterns and the schema up front, so a bad one is an input error before any work. */
export function prepareChecks(input: ChecksInput | undefined): PreparedChecks {
  return {
    commands: input?.commands ?? [],
    cwd: input?.cwd,
    mustMatch: compilePatterns(input?.must_match ?? [], "checks.must_match"),
    mustNotMatch: compilePatterns(input?.must_not_match ?? [], "checks.must_not_match"),
    json: input?.json_schema === undefined ? null : prepareJsonCheck(input.json_schema),
  };
}

export function countChecks(checks: PreparedChecks): number {
  return (
    checks.commands.length +
    checks.mustMatch.length +
    checks.mustNotMatch.length +
    (checks.json ? 1 : 0)
  );
}

export interface CheckSubject {
  validationId: string;
  /** The output and the files' contents: what patterns search. */
  text: string;
  /** What must parse as JSON: the output, or the only file. */
  jsonText: string;
}

/** Runs every check at once; commands go through the command runner and its policy. */
export async function runChecks(
  ctx: AppContext,
  checks: PreparedChecks,
  subject: CheckSubject,
  signal: AbortSignal,
): Promise<CheckOutcome[]> {
  const commands = checks.commands.map((command, index) =>
    runCommandCheck(ctx, command, checks.cwd, subject.validationId, index, signal),
  );
  const patterns = [
    ...matchPatterns(subject.text, checks.mustMatch).map((result) => ({
      name: `must_match ${oneLine(result.pattern.source, 60)}`,
      pass: result.matched === true,
      detail: result.detail,
    })),
    ...matchPatterns(subject.text, checks.mustNotMatch).map((result) => ({
      name: `must_not_match ${oneLine(result.pattern.source, 60)}`,
      // Text past the search limit was not looked at: absence is not shown.
      pass: result.matched === false && !result.detail.includes("not searched"),
      detail: result.detail,
    })),
  ];
  const json = checks.json
    ? [{ name: "json_schema", ...(await checks.json(subject.jsonText, signal)) }]
    : [];
  return [...(await Promise.all(commands)), ...patterns, ...json];
}

async function runCommandCheck(
  ctx: AppContext,
  command: string,
  cwd: string | undefined,
  validationId: string,
  index: number,
  signal: AbortSignal,
): Promise<CheckOutcome> {
  const logFile = join(ctx.squadHome, "validations", validationId, `check-${index + 1}.log`);
  const outcome = await runAndDigest(ctx, {
    command,
    cwd,
    timeoutMs: ctx.config.commands.timeoutS * 1000,
    logFile,
    signal,
  });
  const failure = outcome.failures[0];
  const why = failure
    ? `; first: ${failure.id}${failure.line ? `:${failure.line}` : ""} ${failure.message}`
    : "";
  const detail =
    outcome.status === "ok"
      ? oneLine(outcome.summary, 200)
      : oneLine(`${outcome.status}: ${outcome.summary}${why}`, 200);
  return { name: `command ${oneLine(command, 60)}`, pass: outcome.status === "ok", detail };
}
