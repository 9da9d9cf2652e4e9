import type { Category } from "../config.js";

/** Categories whose work is mechanical: running or searching, not judging. */
export const MECHANICAL: ReadonlySet<Category> = new Set([
  "command",
  "tests",
  "lint",
  "format",
  "typecheck",
  "explore",
  "git",
]);

/** What a literal shell command is, by its first word(s). */
const COMMANDS: [RegExp, Category][] = [
  [
    /^(pytest|jest|vitest|mocha|tox|rspec|phpunit|ctest)\b|^(npm|yarn|pnpm|bun) (run )?test\b|^(go|cargo|dotnet|mvn|gradle) test\b/,
    "tests",
  ],
  [
    /^(eslint|flake8|pylint|golangci-lint|shellcheck|stylelint)\b|^ruff check\b|^biome (lint|check)\b|^cargo clippy\b|^(npm|yarn|pnpm) (run )?lint\b/,
    "lint",
  ],
  [
    /^(prettier|black|gofmt|rustfmt|isort)\b|^ruff format\b|^biome format\b|^cargo fmt\b|^(npm|yarn|pnpm) (run )?format\b/,
    "format",
  ],
  [/^(tsc|mypy|pyright)\b|^(npm|yarn|pnpm) (run )?(type-?check|tsc)\b/, "typecheck"],
  [/^(grep|rg|ag|ack|find|fd|ls|tree|cat|head|tail|wc)\b|^git (grep|ls-files)\b/, "explore"],
  [/^git\b/, "git"],
  [/^(make|npm|npx|yarn|pnpm|node|python3?|pip|uv|cargo|go|docker|curl|bash|sh|\.\/)/, "command"],
];

/** Natural-language cues, most specific first. */
const CUES: [RegExp, Category][] = [
  [
    /\b(architect\w*|system design|trade-?offs?|microservices?|event sourcing|should we (use|adopt|split|move|switch))\b/,
    "architecture",
  ],
  [
    /\b(debug\w*|stack ?trace|traceback|root cause|segfaults?|crash\w*|fix (the |a |this )?bug|why (does|is|do|did)\b)/,
    "debug",
  ],
  [
    /\b(review\w*|audit\w*|critique|look over|check (whether|if)|violat\w*|complian\w*)\b/,
    "review",
  ],
  [
    /\b(refactor\w*|rename|restructur\w*|deduplicat\w*|extract (a |the )?(function|method|class|module)|migrat\w*)\b/,
    "refactor",
  ],
  [/\b(write|add|create|generate)\b[^.]*\b(unit |integration |e2e )?tests?\b/, "codegen"],
  [
    /\b(run|rerun|execute)\b[^.]*\b(tests?|test suite|specs?)\b|\b(pytest|jest|vitest|test suite)\b/,
    "tests",
  ],
  [/\b(lint\w*|eslint|flake8|pylint|ruff check)\b/, "lint"],
  [
    /\b(reformat\w*|prettier|gofmt|rustfmt|ruff format|format (the )?(code|files?|codebase|project|sources?))\b/,
    "format",
  ],
  [/\b(type-?check\w*|tsc|mypy|pyright|type errors?)\b/, "typecheck"],
  [/\b(git|commits?|branch\w*|rebase|cherry-pick|stash|blame)\b|\bdiff\b/, "git"],
  [
    /\b(grep|search\w*|find|locate|where (is|are)|list (all|every)|which files|look for|usages? of|occurrences?)\b/,
    "explore",
  ],
  [/\b(docstrings?|document\w*|readme|changelog|comments?|jsdoc|tsdoc)\b/, "docs"],
  [
    /\b(scaffold\w*|boilerplate|stubs?|skeleton|(new|empty) (file|module|package|component|project))\b/,
    "scaffold",
  ],
  [/\b(write|implement\w*|generate|create|add|build|code up|function|class)\b/, "codegen"],
  [/\b(run|execute|install|build)\b/, "command"],
];

export function classifyCategory(task: string): Category {
  const literal = literalCommandCategory(task);
  if (literal) return literal;
  const lower = withoutShellPrefix(task).toLowerCase();
  for (const [pattern, category] of CUES) if (pattern.test(lower)) return category;
  return "other";
}

/** The category of a task whose first word is a known command (`pytest …`, `cd x && npm test`). */
export function literalCommandCategory(task: string): Category | null {
  const trimmed = withoutShellPrefix(task);
  for (const [pattern, category] of COMMANDS) if (pattern.test(trimmed)) return category;
  return null;
}

function withoutShellPrefix(task: string): string {
  return task
    .trim()
    .replace(/^(cd\s+\S+\s*&&\s*)+/, "")
    .replace(/^(\$|>)\s*/, "")
    .replace(/^`+|`+$/g, "");
}
