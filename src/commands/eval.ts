import type { AppContext } from "../context.js";
import { UserInputError } from "../errors.js";
import {
  progressBar,
  progressLine,
  renderEvalReport,
  renderSuite,
  waitingBar,
  waitingLine,
} from "../eval/render.js";
import { runEval } from "../eval/run-eval.js";

export const EVAL_USAGE =
  "usage: squad-mcp eval [--workers a,b] [--categories codegen,docs] [--json] [--list]";

export interface EvalArgs {
  workers?: string[];
  categories?: string[];
  json: boolean;
  list: boolean;
}

/** Parses `eval`'s options; an error message (for exit 2) instead when they are wrong. */
export function parseEvalArgs(args: string[]): EvalArgs | { error: string } {
  const parsed: EvalArgs = { json: false, list: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? splitOnce(arg) : [arg, null];
    if (flag === "--json" && inline === null) parsed.json = true;
    else if (flag === "--list" && inline === null) parsed.list = true;
    else if (flag === "--workers" || flag === "--categories") {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith("--")) {
        return { error: `${flag} needs a comma-separated list\n${EVAL_USAGE}` };
      }
      const names = value
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean);
      if (names.length === 0) return { error: `${flag} needs at least one name\n${EVAL_USAGE}` };
      if (flag === "--workers") parsed.workers = names;
      else parsed.categories = names;
    } else {
      return { error: `unknown option '${arg}' for eval\n${EVAL_USAGE}` };
    }
  }
  return parsed;
}

export interface EvalIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
}

/**
 * `squad-mcp eval`: runs the suite against each usable worker and prints the summary (or JSON).
 * Progress goes to stderr: a bar on a terminal, a line per result otherwise. Exit 0 when it ran
 * (failing workers are a measurement, not an error), also when no worker was usable; 2 on bad
 * arguments.
 */
export async function evalCommand(ctx: AppContext, args: string[], io: EvalIo): Promise<number> {
  const parsed = parseEvalArgs(args);
  if ("error" in parsed) {
    io.stderr.write(`${parsed.error}\n`);
    return 2;
  }
  if (parsed.list) {
    io.stdout.write(`${renderSuite()}\n`);
    return 0;
  }
  const tty = io.stderr.isTTY === true;
  let barShown = false;
  /** The bar redrawn in place on a terminal; a line each time otherwise. */
  const show = (bar: string, line: string) => {
    if (tty) {
      io.stderr.write(`\r\x1b[2K${bar}`);
      barShown = true;
    } else {
      io.stderr.write(`${line}\n`);
    }
  };
  try {
    const report = await runEval(ctx, {
      workers: parsed.workers,
      categories: parsed.categories,
      signal: io.signal,
      onWait: (wait) => show(waitingBar(wait), waitingLine(wait)),
      onResult: (progress) => show(progressBar(progress), progressLine(progress)),
    });
    if (barShown) io.stderr.write("\r\x1b[2K");
    io.stdout.write(
      `${parsed.json ? JSON.stringify(report, null, 2) : renderEvalReport(report, ctx.config.routing.qualityBar)}\n`,
    );
    return report.cancelled ? 130 : 0;
  } catch (error) {
    if (barShown) io.stderr.write("\n");
    if (error instanceof UserInputError) {
      io.stderr.write(`--${error.field}: ${error.problem}\n${EVAL_USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf("=");
  return [arg.slice(0, at), arg.slice(at + 1)];
}
