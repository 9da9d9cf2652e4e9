import { type Budget, budgetFor, cutToBudget, fits } from "./budget.js";
import { digestCargoTest } from "./cargo-test.js";
import { cleanLines, relativeUnder } from "./clean.js";
import { detectTool, toolsInCommand } from "./detect.js";
import { digestEslint } from "./eslint.js";
import { renderExcerpt, renderHead } from "./excerpt.js";
import { digestGoTest } from "./go-test.js";
import { readGrep, renderGrep } from "./grep.js";
import { digestJest } from "./jest.js";
import { digestJunit } from "./junit.js";
import { digestMocha } from "./mocha.js";
import { digestMypy } from "./mypy.js";
import { digestNodeSpec } from "./node-spec.js";
import { digestPytest } from "./pytest.js";
import { renderFindings } from "./render.js";
import { digestRuff } from "./ruff.js";
import { toolsInOutput } from "./signatures.js";
import { describeCounts, exitPhrase, printsNewestFirst, programName } from "./summary.js";
import { digestTap } from "./tap.js";
import { digestTsc } from "./tsc.js";
import type {
  Digest,
  DigestFailure,
  DigestInput,
  DigestOptions,
  Finding,
  FindingKind,
  ToolName,
  ToolReport,
} from "./types.js";
import { digestUnittest } from "./unittest.js";
import { digestVitest } from "./vitest.js";

type ParsedTool = Exclude<ToolName, "grep">;

const PARSERS: Record<ParsedTool, (lines: string[]) => ToolReport> = {
  pytest: digestPytest,
  vitest: digestVitest,
  jest: digestJest,
  tsc: digestTsc,
  eslint: digestEslint,
  ruff: digestRuff,
  mypy: digestMypy,
  "go test": digestGoTest,
  "cargo test": digestCargoTest,
  unittest: digestUnittest,
  "node --test": digestNodeSpec,
  mocha: digestMocha,
  tap: digestTap,
  junit: digestJunit,
};

const FILE_TOOLS = new Set<ToolName>(["tsc", "eslint", "ruff", "mypy"]);

function kindOf(tool: ToolName): FindingKind {
  return FILE_TOOLS.has(tool) ? "file" : "test";
}

function publicFailure(finding: Finding): DigestFailure {
  return finding.line === undefined
    ? { id: finding.id, message: finding.message }
    : { id: finding.id, line: finding.line, message: finding.message };
}

/**
 * A failed run whose parser found nothing to name (a crash, a config error, a coverage
 * threshold) needs the raw error lines instead. Grep exits 1 for "no match", which is an
 * answer, not a failure.
 */
function failedWithoutExplanation(
  tool: ToolName | null,
  exitCode: number | null,
  findings: number,
) {
  if (findings > 0 || exitCode === 0) return false;
  return !(tool === "grep" && exitCode === 1);
}

interface Context {
  input: DigestInput;
  lines: string[];
  budget: Budget;
  /** `exit 1`, plus how much of the log was not read. */
  exit: string;
  maxFailures: number;
}

/** Turns a command's raw output into the few lines the host reads, plus structured counts. */
export function digestOutput(input: DigestInput, options: DigestOptions): Digest {
  const lines = relativeUnder(cleanLines(input.output), input.cwd);
  const omittedBytes = input.omittedBytes ?? 0;
  const context: Context = {
    input,
    lines,
    // Colour codes are not what a reader reads: the share is of the plain text.
    budget: budgetFor(Buffer.byteLength(lines.join("\n")) + omittedBytes, options.maxChars),
    exit: exitPhrase(input.exitCode, omittedBytes),
    maxFailures: Math.max(0, Math.floor(options.maxFailures)),
  };
  const output = lines.join("\n");
  const tool = detectTool(input.command, output);
  const several = toolsRunAndSeen(input.command, output);
  const digest =
    several.length > 1
      ? digestSeveral(several, context)
      : tool === null
        ? digestUnknown(context)
        : tool === "grep"
          ? digestGrep(context)
          : digestParsed(tool, context);
  return omittedBytes === 0 ? rawIfShorter(digest, lines) : digest;
}

/** Parsed tools the command runs whose output is there, in the order the command runs them. */
function toolsRunAndSeen(command: string, output: string): ParsedTool[] {
  const seen = toolsInOutput(output);
  return toolsInCommand(command).filter(
    (tool): tool is ParsedTool => tool !== "grep" && seen.includes(tool),
  );
}

/** A digest exists to be shorter than the output: when it is not, the output is the text. */
function rawIfShorter(digest: Digest, lines: string[]): Digest {
  const plain = lines.join("\n").trim();
  if (plain === "" || JSON.stringify(plain).length >= JSON.stringify(digest.text).length) {
    return digest;
  }
  return { ...digest, text: plain };
}

function digestUnknown({ input, lines, budget, exit }: Context): Digest {
  const lineCount = lines.filter((line) => line.trim() !== "").length;
  const unparsed = lineCount > 0 ? ", unparsed" : "";
  const summary = `${programName(input.command)}: ${exit}, ${lineCount} ${lineCount === 1 ? "line" : "lines"} of output${unparsed}`;
  const render =
    printsNewestFirst(input.command) && input.exitCode === 0 ? renderHead : renderExcerpt;
  const text = bounded(render(summary, lines, budget), budget);
  return { tool: null, counts: {}, failures: [], failuresOmitted: 0, text };
}

function digestGrep({ input, lines, budget, exit, maxFailures }: Context): Digest {
  const report = readGrep(lines);
  // `grep -q` (or `-l` with nothing to list) prints nothing and says a match by exiting 0.
  const quietMatch = input.exitCode === 0 && (report.counts.matches ?? 0) === 0;
  const summary = quietMatch
    ? `grep: matched, nothing printed (${exit})`
    : `grep: ${describeCounts(report.counts)} (${exit})`;
  const text = failedWithoutExplanation("grep", input.exitCode, report.counts.matches ?? 0)
    ? renderExcerpt(summary, lines, budget)
    : renderGrep(summary, report, maxFailures, budget);
  return {
    tool: "grep",
    counts: report.counts,
    failures: [],
    failuresOmitted: 0,
    text: bounded(text, budget),
  };
}

interface Section extends Digest {
  tool: ParsedTool;
}

function digestParsed(tool: ParsedTool, context: Context): Section {
  const { input, lines, exit, maxFailures } = context;
  const report = PARSERS[tool](lines);
  const listed = report.findings.slice(0, maxFailures);
  const unlisted = report.findings.slice(maxFailures);
  // The tool's own total can exceed what was parsed when the middle of the log was not read.
  const unparsed = Math.max(0, (report.total ?? 0) - report.findings.length);
  const summary = summaryOf(tool, report, exit);
  const { budget } = context;
  let text = bounded(summary, budget);
  if (failedWithoutExplanation(tool, input.exitCode, report.findings.length)) {
    text = bounded(renderExcerpt(summary, lines, budget), budget);
  } else if (report.findings.length > 0 || unparsed > 0) {
    text = renderFindings(summary, listed, unlisted, unparsed, kindOf(tool), budget);
  }
  return {
    tool,
    counts: report.counts,
    failures: listed.map(publicFailure),
    failuresOmitted: unlisted.length + unparsed,
    text,
  };
}

/**
 * `tsc -p .; eslint .`: each tool whose output is there gets its own section, in the order the
 * command runs them, sharing the budget and the cap on failures. The counts are the first
 * tool's, then the others' under their names (`eslint errors`).
 */
function digestSeveral(tools: ParsedTool[], context: Context): Digest {
  const share = (n: number) => Math.floor(n / tools.length);
  const budget = { chars: share(context.budget.chars), bytes: share(context.budget.bytes) };
  let room = context.maxFailures;
  const sections = tools.map((tool) => {
    const section = digestParsed(tool, { ...context, budget, maxFailures: room });
    room -= section.failures.length;
    return section;
  });
  const [first] = sections as [Section, ...Section[]];
  const counts = { ...first.counts };
  for (const section of sections.slice(1)) {
    for (const [key, value] of Object.entries(section.counts)) {
      counts[`${section.tool} ${key}`] = value;
    }
  }
  return {
    tool: first.tool,
    counts,
    failures: sections.flatMap((section) => section.failures),
    failuresOmitted: sections.reduce((n, section) => n + section.failuresOmitted, 0),
    text: sections.map((section) => section.text).join("\n"),
  };
}

function summaryOf(tool: ParsedTool, report: ToolReport, exit: string): string {
  const counts = Object.keys(report.counts).length > 0 ? describeCounts(report.counts) : null;
  const said = [counts, report.note].filter((part) => part !== null && part !== undefined);
  return `${tool}: ${said.length > 0 ? said.join(", ") : describeCounts({})} (${exit})`;
}

function bounded(text: string, budget: Budget): string {
  return fits(text, budget) ? text : cutToBudget(text, budget);
}
