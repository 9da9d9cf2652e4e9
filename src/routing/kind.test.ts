import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { taskKind } from "./kind.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A project folder holding `files` (path → content). */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "squad-kind-"));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const empty = project({});

describe("taskKind", () => {
  it.each([
    ["pytest backend/tests -x", "tests"],
    ["cd backend && pytest -v", "tests"],
    ["npm test && npm run lint", "tests"],
    ["grep -rn 'ACGMEValidator' backend/", "explore"],
    ["find . -name '*.ts'", "explore"],
    ["git status", "git"],
    ["make build", "command"],
    ["ls", "explore"],
  ])("reads %j as a literal command (%s)", (task, category) => {
    expect(taskKind(task, empty)).toEqual({
      kind: "command",
      category,
      commands: [],
      source: null,
    });
  });

  it.each([
    "find where the config is loaded",
    "make the login button blue",
    "cat facts for the landing page",
    "Write unit tests for parse_date",
    "Summarise the meeting notes",
    "Add docstrings to the helpers in utils.py",
  ])("reads %j as text, not a command", (task) => {
    expect(taskKind(task, empty).kind).toBe("text");
  });

  it.each([
    [
      "run the tests",
      { "package.json": '{"scripts":{"test":"vitest run"}}' },
      ["npm test"],
      "package.json scripts.test",
    ],
    [
      "run the backend tests",
      { "backend/pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n" },
      ["cd backend && pytest"],
      "backend/pyproject.toml [tool.pytest]",
    ],
    [
      "Lint the frontend",
      { "frontend/package.json": '{"scripts":{"lint":"eslint ."}}', "frontend/pnpm-lock.yaml": "" },
      ["cd frontend && pnpm run lint"],
      "frontend/package.json scripts.lint",
    ],
    [
      "run the type-check",
      { Makefile: "build:\n\tcc x.c\ntypecheck:\n\tmypy src\n" },
      ["make typecheck"],
      "Makefile target typecheck",
    ],
    ["rerun the test suite", { "Cargo.toml": "[package]\n" }, ["cargo test"], "Cargo.toml"],
  ])("turns %j into the project's command", (task, files, commands, source) => {
    expect(taskKind(task, project(files))).toEqual({
      kind: "command",
      category: expect.any(String),
      commands,
      source,
    });
  });

  it("says which command is missing when the project shows no way to run it", () => {
    expect(taskKind("run the backend tests", project({ "backend/app.py": "" }))).toEqual({
      kind: "text",
      category: "tests",
      unknownCommand: "tests",
    });
  });

  it("recognises only literal commands without a project root", () => {
    expect(taskKind("pytest -q", null).kind).toBe("command");
    expect(taskKind("run the tests", null)).toMatchObject({
      kind: "text",
      unknownCommand: "tests",
    });
  });

  it("never looks outside the project for a folder the task names", () => {
    const parent = project({ "b/README.md": "", "a/package.json": '{"scripts":{"test":"true"}}' });
    expect(taskKind("run the ../a tests", join(parent, "b"))).toMatchObject({ kind: "text" });
    expect(taskKind("run the a tests", parent)).toMatchObject({ commands: ["cd a && npm test"] });
  });
});
