import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { errorMessage } from "../errors.js";
import type { CommandResult, CommandRunner } from "../runners/command-runner.js";
import { oneLine } from "../text/clip.js";
import { compileJsonSchema, type JsonValidator } from "../validation/json-check.js";
import type { Checker, EvalTask } from "./suite.js";

export interface CheckResult {
  pass: boolean;
  /** One line, at most ~200 characters: what passed, or the first thing that did not. */
  detail: string;
}

export interface CheckPolicy {
  /** Runs answers under the command policy, confined to their scratch folder. */
  runner: CommandRunner;
  /** For one run of an answer (a function's cases, or a command). */
  timeoutMs: number;
  signal?: AbortSignal;
}

const MAX_DETAIL = 200;

/** Runs a worker's answer the way its task says and tells whether it is right. */
export async function checkAnswer(
  task: EvalTask,
  answer: string,
  policy: CheckPolicy,
): Promise<CheckResult> {
  const check = task.check;
  if (check.kind === "json") return jsonValidator(task.id, check.schema)(stripFences(answer));
  const field = check.kind === "function" ? "code" : "command";
  const value = answerField(answer, field);
  if (typeof value !== "string") return { pass: false, detail: value.problem };
  if (check.kind === "function") return checkFunction(check, value, policy);
  return checkCommand(check, value, policy);
}

const validators = new Map<string, JsonValidator>();

function jsonValidator(id: string, schema: Record<string, unknown>): JsonValidator {
  let validate = validators.get(id);
  if (!validate) {
    validate = compileJsonSchema(schema);
    validators.set(id, validate);
  }
  return validate;
}

/** The string in `{"code": …}` / `{"command": …}`, or why there is none. */
function answerField(answer: string, field: string): string | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripFences(answer));
  } catch (error) {
    return { problem: detailLine(`not JSON: ${errorMessage(error)}`) };
  }
  const value =
    typeof parsed === "object" && parsed !== null
      ? (parsed as Record<string, unknown>)[field]
      : undefined;
  if (typeof value !== "string" || value.trim() === "") {
    return { problem: `no "${field}" string in the answer` };
  }
  return stripFences(value);
}

/** Models wrap answers in Markdown fences even when asked not to. */
export function stripFences(text: string): string {
  const fenced = /^\s*```[\w-]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return (fenced?.[1] ?? text).trim();
}

/**
 * The child runs this: defines the answer's function from its source, calls it on each case
 * and writes what happened to result.json. A child process, so an endless loop or an
 * `process.exit` in the answer only ends that process (the timeout kills it).
 */
const FUNCTION_HARNESS = `
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
const { code, name, cases } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = process.argv[3];
const done = (result) => { writeFileSync(out, JSON.stringify(result)); process.exit(0); };
const show = (value) => { try { return JSON.stringify(value) ?? String(value); } catch { return String(value); } };
const normal = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
let fn;
try {
  const body = code.replace(/^([ \\t]*)export\\s+(default\\s+)?/gm, "$1");
  fn = new Function(body + "\\n;return typeof " + name + ' === "function" ? ' + name + " : undefined;")();
} catch (error) {
  done({ passed: 0, failures: ["does not compile: " + (error && error.message)] });
}
if (typeof fn !== "function") done({ passed: 0, failures: ["defines no function " + name] });
let passed = 0;
const failures = [];
for (const { args, expected } of cases) {
  const call = name + "(" + args.map(show).join(", ") + ")";
  const throws = expected && typeof expected === "object" && "throws" in expected ? expected.throws : null;
  try {
    const got = normal(await fn(...structuredClone(args)));
    if (throws) failures.push(call + " returned " + show(got) + ", expected a " + throws);
    else if (isDeepStrictEqual(got, expected)) passed++;
    else failures.push(call + " returned " + show(got) + ", expected " + show(expected));
  } catch (error) {
    const kind = error && error.name;
    if (throws && kind === throws) passed++;
    else failures.push(call + " threw " + kind + ": " + (error && error.message));
  }
}
done({ passed, failures });
`;

async function checkFunction(
  check: Extract<Checker, { kind: "function" }>,
  code: string,
  policy: CheckPolicy,
): Promise<CheckResult> {
  return inScratch(async (work, scratch) => {
    const input = join(scratch, "task.json");
    const output = join(scratch, "result.json");
    const harness = join(scratch, "harness.mjs");
    writeFileSync(input, JSON.stringify({ code, name: check.name, cases: check.cases }));
    writeFileSync(harness, FUNCTION_HARNESS);
    const command = [process.execPath, harness, input, output].map(shellQuote).join(" ");
    const run = await runAnswer(command, work, scratch, policy, 2_000);
    let result: { passed: number; failures: string[] };
    try {
      result = JSON.parse(readFileSync(output, "utf8"));
    } catch {
      return {
        pass: false,
        detail: detailLine(`the function did not finish: ${ranInto(run, policy)}`),
      };
    }
    const total = check.cases.length;
    if (result.passed === total && result.failures.length === 0) {
      return { pass: true, detail: `${total}/${total} cases pass` };
    }
    return {
      pass: false,
      detail: detailLine(`${result.passed}/${total} cases pass; ${result.failures[0] ?? ""}`),
    };
  });
}

async function checkCommand(
  check: Extract<Checker, { kind: "command" }>,
  command: string,
  policy: CheckPolicy,
): Promise<CheckResult> {
  return inScratch(async (work, scratch) => {
    writeFiles(work, check.files);
    if (check.commits) await makeHistory(work, check.commits);
    const run = await runAnswer(command, work, scratch, policy, 8_000);
    if (run.status === "denied") return { pass: false, detail: detailLine(ranInto(run, policy)) };
    if (run.exitCode !== 0) return { pass: false, detail: detailLine(ranInto(run, policy)) };
    const output = run.tail.trim();
    const shown = JSON.stringify(output.length > 80 ? `${output.slice(0, 80)}…` : output);
    if (check.exact !== undefined && output !== check.exact) {
      return {
        pass: false,
        detail: detailLine(`printed ${shown}, expected ${JSON.stringify(check.exact)}`),
      };
    }
    const missing = check.contains.find((text) => !output.includes(text));
    if (missing !== undefined) {
      return {
        pass: false,
        detail: detailLine(`printed ${shown}, which lacks ${JSON.stringify(missing)}`),
      };
    }
    const extra = check.excludes?.find((text) => output.includes(text));
    if (extra !== undefined) {
      return {
        pass: false,
        detail: detailLine(`printed ${shown}, which should not name ${JSON.stringify(extra)}`),
      };
    }
    return { pass: true, detail: `printed ${shown}` };
  });
}

/**
 * Runs in `work` under the policy, confined to the folder holding `work` and `scratch`; the
 * output goes to a log in `scratch`, out of its sight.
 */
function runAnswer(
  command: string,
  work: string,
  scratch: string,
  policy: CheckPolicy,
  tailBytes: number,
): Promise<CommandResult> {
  return policy.runner.run({
    command,
    cwd: work,
    root: dirname(work),
    timeoutMs: policy.timeoutMs,
    logFile: join(scratch, "output.log"),
    signal: policy.signal,
    tailBytes,
  });
}

/** How a run that produced nothing usable ended. */
function ranInto(run: CommandResult, policy: CheckPolicy): string {
  if (run.status === "timeout") return `still running after ${policy.timeoutMs / 1000} s (killed)`;
  if (run.status === "cancelled") return "cancelled";
  if (run.status === "denied" || run.status === "error") return run.problem ?? run.status;
  const last = run.tail.trim().split("\n").slice(-2).join(" ").trim();
  const how = run.signal ? `killed by ${run.signal}` : `exit ${run.exitCode}`;
  return last ? `${how}: ${last}` : how;
}

/** A fresh folder for the answer to run in, and a sibling one for our own files; both removed. */
async function inScratch<T>(work: (folder: string, scratch: string) => Promise<T>): Promise<T> {
  const base = mkdtempSync(join(tmpdir(), "squad-eval-"));
  const folder = join(base, "work");
  const scratch = join(base, "scratch");
  mkdirSync(folder);
  mkdirSync(scratch);
  try {
    return await work(folder, scratch);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

const GIT_IDENTITY = ["-c", "user.name=squad-eval", "-c", "user.email=eval@squad.invalid"];

async function makeHistory(
  root: string,
  commits: { message: string; files: Record<string, string> }[],
): Promise<void> {
  const git = (args: string[]) =>
    execa("git", [...GIT_IDENTITY, "-c", "commit.gpgsign=false", ...args], { cwd: root });
  await git(["-c", "init.defaultBranch=main", "init", "-q"]);
  for (const commit of commits) {
    writeFiles(root, commit.files);
    await git(["add", "-A"]);
    await git(["commit", "-q", "-m", commit.message]);
  }
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** One line of at most MAX_DETAIL characters, as a check result carries it. */
function detailLine(text: string): string {
  return oneLine(text, MAX_DETAIL);
}
