import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Category } from "../config.js";
import { classifyCategory, literalCommandCategory } from "./category.js";

/**
 * What kind of work a task is: a shell command (the squad runs it, no model involved), or
 * text for a model or the host to produce.
 */
export type TaskKind =
  | { kind: "command"; category: Category; commands: string[]; source: string | null }
  | { kind: "text"; category: Category; unknownCommand: string | null };

/** Categories a request in words can ask to run, when the project says how. */
const RUNNABLE: ReadonlySet<Category> = new Set(["tests", "lint", "format", "typecheck"]);

/** Words of prose; a literal command without shell syntax has none of them. */
const PROSE_WORDS = new Set(
  "the a an to of is are was were be where what which who why how for in on that this these those all every and or with from into it its my our your their".split(
    " ",
  ),
);

/** Flags, pipes, chains, redirections, substitutions, paths and file names. */
const SHELL_SYNTAX = /\s-{1,2}[A-Za-z]|\||&&|;|[<>]|\$[({A-Za-z]|(^|\s)\.{0,2}\/|\S\/\S|\w\.\w/;

/**
 * Reads a task as a literal command when its first word is a known tool and the rest reads as
 * arguments, not prose ("find . -name '*.ts'" is a command, "find where the config is loaded"
 * is not). Otherwise a request in words to run the tests, lint, format or type-check becomes
 * the command the project defines for it (package.json script, Makefile target, pytest or
 * Cargo or Go project), in the folder the task names. Without a project root, only literal
 * commands are recognised.
 */
export function taskKind(task: string, projectRoot: string | null): TaskKind {
  const literal = literalCommandCategory(task);
  if (literal && readsAsCommand(task)) {
    return { kind: "command", category: literal, commands: [], source: null };
  }
  const category = classifyCategory(task);
  if (!RUNNABLE.has(category)) return { kind: "text", category, unknownCommand: null };
  if (projectRoot === null) return { kind: "text", category, unknownCommand: category };
  for (const dir of foldersNamed(task, projectRoot)) {
    const found = projectCommand(category, join(projectRoot, dir));
    if (found) {
      const command = dir ? `cd ${dir} && ${found.command}` : found.command;
      return {
        kind: "command",
        category,
        commands: [command],
        source: `${dir ? `${dir}/` : ""}${found.source}`,
      };
    }
  }
  return { kind: "text", category, unknownCommand: category };
}

function readsAsCommand(task: string): boolean {
  const words = task
    .toLowerCase()
    .replace(/(["'`]).*?\1/g, " ")
    .split(/\s+/)
    .filter(Boolean);
  const prose = words.filter((word) => PROSE_WORDS.has(word)).length;
  return prose === 0 || (prose <= 1 && SHELL_SYNTAX.test(task));
}

/** Folders of the project the task names ("run the backend tests" → backend), then the root. */
function foldersNamed(task: string, projectRoot: string): string[] {
  const named = new Set<string>();
  for (const word of (task.match(/\w[\w./-]*/g) ?? []).slice(0, 50)) {
    const dir = word.replace(/\/+$/, "");
    // No "..": a word cannot name a folder outside the project.
    if (dir.includes("..") || dir === ".") continue;
    if (statSync(join(projectRoot, dir), { throwIfNoEntry: false })?.isDirectory()) named.add(dir);
  }
  return [...named, ""];
}

interface Found {
  command: string;
  source: string;
}

const SCRIPT_NAMES: Record<string, string[]> = {
  tests: ["test"],
  lint: ["lint"],
  format: ["format", "fmt"],
  typecheck: ["typecheck", "type-check", "tsc", "check-types", "types"],
};

const MAKE_TARGETS: Record<string, string[]> = {
  tests: ["test", "tests", "check"],
  lint: ["lint"],
  format: ["format", "fmt"],
  typecheck: ["typecheck", "type-check", "types", "mypy"],
};

/** The command a folder's own files define for a category, or null. */
export function projectCommand(category: Category, dir: string): Found | null {
  const names = SCRIPT_NAMES[category] ?? [];
  const scripts = packageScripts(dir);
  const script = names.find((name) => scripts?.[name]);
  if (script) {
    const runner = packageManager(dir);
    const command = script === "test" ? `${runner} test` : `${runner} run ${script}`;
    return { command, source: `package.json scripts.${script}` };
  }
  const makefile = read(join(dir, "Makefile"));
  const target = makefile
    ? (MAKE_TARGETS[category] ?? []).find((name) => new RegExp(`^${name}\\s*:`, "m").test(makefile))
    : undefined;
  if (target) return { command: `make ${target}`, source: `Makefile target ${target}` };
  if (category === "tests") {
    if (existsSync(join(dir, "pytest.ini"))) return { command: "pytest", source: "pytest.ini" };
    if (/^\[tool\.pytest/m.test(read(join(dir, "pyproject.toml")) ?? ""))
      return { command: "pytest", source: "pyproject.toml [tool.pytest]" };
    if (existsSync(join(dir, "Cargo.toml"))) return { command: "cargo test", source: "Cargo.toml" };
    if (existsSync(join(dir, "go.mod"))) return { command: "go test ./...", source: "go.mod" };
  }
  if (category === "typecheck" && existsSync(join(dir, "tsconfig.json")))
    return { command: "npx tsc --noEmit", source: "tsconfig.json" };
  return null;
}

function packageScripts(dir: string): Record<string, unknown> | null {
  const text = read(join(dir, "package.json"));
  if (!text) return null;
  try {
    const scripts = (JSON.parse(text) as { scripts?: unknown }).scripts;
    return scripts && typeof scripts === "object" ? (scripts as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function packageManager(dir: string): string {
  if (existsSync(join(dir, "pnpm-lock.yaml"))) return "pnpm";
  if (existsSync(join(dir, "yarn.lock"))) return "yarn";
  if (existsSync(join(dir, "bun.lockb")) || existsSync(join(dir, "bun.lock"))) return "bun";
  return "npm";
}

/** A small project file's text; null when absent, unreadable or too big to be one. */
function read(file: string): string | null {
  try {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > 1_000_000) return null;
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}
