import { describe, expect, it } from "vitest";
import { classifyCategory } from "./category.js";

describe("classifyCategory", () => {
  it.each([
    ["pytest backend/tests -x", "tests"],
    ["cd frontend && npm test", "tests"],
    ["make build", "command"],
    ["npm run lint", "lint"],
    ["ruff check . --fix", "lint"],
    ["ruff format backend/", "format"],
    ["mypy backend/app/ --ignore-missing-imports", "typecheck"],
    ["grep -r 'ACGMEValidator' backend/", "explore"],
    ["git diff --stat HEAD~3", "git"],
    ["Run the backend tests and report failures", "tests"],
    ["Lint the frontend", "lint"],
    ["Find where ACGMEValidator is used", "explore"],
    ["Write unit tests for parse_date", "codegen"],
    ["Implement a function that slugifies titles", "codegen"],
    ["Add docstrings to the four public helpers in utils.py", "docs"],
    ["Refactor the scheduler into smaller modules", "refactor"],
    ["Review this diff for obvious mistakes", "review"],
    ["Design the architecture for splitting the scheduler into microservices", "architecture"],
    ["Why does the login page crash on Safari?", "debug"],
    ["Scaffold a new React component with boilerplate", "scaffold"],
    ["Check whether next month's call schedule violates ACGME duty hour limits", "review"],
    ["Summarise the meeting", "other"],
  ])("%s → %s", (task, category) => {
    expect(classifyCategory(task)).toBe(category);
  });
});
