import { FORMATS, toolsInOutput } from "./signatures.js";
import type { ToolName } from "./types.js";

/** Programs that run another program named in their arguments. */
const WRAPPERS = new Set([
  "npx",
  "pnpx",
  "bunx",
  "env",
  "time",
  "nice",
  "exec",
  "command",
  "xvfb-run",
]);
/** Package managers whose second word may name a binary (`yarn vitest`, `pnpm exec tsc`). */
const PACKAGE_RUNNERS = new Set(["npm", "pnpm", "yarn", "bun", "uv", "poetry", "pipenv", "hatch"]);
const RUNNER_VERBS = new Set(["exec", "dlx", "run", "x"]);
/** Words that are scripts, not binaries, after a package runner. */
const SCRIPT_WORDS = new Set(["test", "run", "start", "build", "lint", "check", "typecheck"]);

const PROGRAM_TOOLS: Record<string, ToolName> = {
  vitest: "vitest",
  jest: "jest",
  mocha: "mocha",
  _mocha: "mocha",
  tsc: "tsc",
  "vue-tsc": "tsc",
  tsgo: "tsc",
  eslint: "eslint",
  ruff: "ruff",
  mypy: "mypy",
  dmypy: "mypy",
  pytest: "pytest",
  "py.test": "pytest",
  unittest: "unittest",
  grep: "grep",
  egrep: "grep",
  fgrep: "grep",
  rg: "grep",
};

function basename(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1).replace(/\.(?:exe|cmd|js|mjs|cjs)$/, "");
}

/** Splits a shell command at `&&`, `||`, `;`, `|` and newlines outside quotes. */
export function splitCommand(command: string): string[][] {
  const segments: string[][] = [];
  let words: string[] = [];
  let word = "";
  let quote: string | null = null;
  const endWord = () => {
    if (word !== "") words.push(word);
    word = "";
  };
  const endSegment = () => {
    endWord();
    if (words.length > 0) segments.push(words);
    words = [];
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === "&" || ch === "|" || ch === ";" || ch === "\n") {
      endSegment();
    } else if (/\s/.test(ch)) {
      endWord();
    } else {
      word += ch;
    }
  }
  endSegment();
  return segments;
}

/** Drops environment assignments and wrappers until the word that names the real program. */
function programWords(words: string[]): string[] {
  let rest = words;
  for (;;) {
    const first = rest[0];
    if (first === undefined) return rest;
    const name = basename(first);
    if (/^\w+=/.test(first) || first.startsWith("-")) rest = rest.slice(1);
    else if (WRAPPERS.has(name)) rest = rest.slice(1);
    else if (/^python[\d.]*$|^py$/.test(name) && rest[1] === "-m") rest = rest.slice(2);
    else if (PACKAGE_RUNNERS.has(name) && rest[1] && RUNNER_VERBS.has(rest[1]))
      rest = rest.slice(2);
    else if (PACKAGE_RUNNERS.has(name) && rest[1] && !SCRIPT_WORDS.has(rest[1]))
      rest = rest.slice(1);
    else return rest;
  }
}

function toolOfWords(words: string[]): ToolName | null {
  const [program, sub] = programWords(words);
  if (program === undefined) return null;
  const name = basename(program);
  if (name === "go") return sub === "test" ? "go test" : null;
  if (name === "cargo") return sub === "test" || sub === "t" ? "cargo test" : null;
  if (name === "git") return sub === "grep" ? "grep" : null;
  return PROGRAM_TOOLS[name] ?? null;
}

/** Tools named by the command, in the order they run. */
export function toolsInCommand(command: string): ToolName[] {
  const tools: ToolName[] = [];
  for (const words of splitCommand(command)) {
    const tool = toolOfWords(words);
    if (tool && !tools.includes(tool)) tools.push(tool);
  }
  return tools;
}

/**
 * The command says what ran (`npx vitest run`); the output says what printed (`npm test` that
 * ran vitest). A tool named by both wins, then the command, then the output.
 */
export function detectTool(command: string, output: string): ToolName | null {
  const named = toolsInCommand(command);
  const seen = toolsInOutput(output);
  const both = named.find((tool) => seen.includes(tool));
  if (both) return both;
  // `vitest run --reporter=tap-flat` prints TAP, not vitest's own report.
  const format = seen.find((tool) => FORMATS.includes(tool));
  if (format) return format;
  if (named.length > 0) return named[named.length - 1] ?? null;
  return seen[0] ?? null;
}
