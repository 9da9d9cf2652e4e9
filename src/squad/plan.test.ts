import { describe, expect, it } from "vitest";
import { inputError } from "../../test/support/errors.js";
import { DEFAULT_CONFIG } from "../config.js";
import { chainLengths, planSquad, type TaskInput } from "./plan.js";

const plan = (tasks: TaskInput[]) => planSquad(tasks, DEFAULT_CONFIG);
const problem = (tasks: TaskInput[]) => inputError(() => plan(tasks), "a plan").message;

describe("planSquad", () => {
  it("names tasks t1, t2, … and applies the configured timeouts", () => {
    const [command, prompt] = plan([
      { command: "npm test" },
      { prompt: "summarise", worker: "flash" },
    ]);
    expect(command).toMatchObject({
      id: "t1",
      kind: "command",
      timeoutMs: DEFAULT_CONFIG.commands.timeoutS * 1000,
    });
    expect(prompt).toMatchObject({
      id: "t2",
      kind: "prompt",
      timeoutMs: DEFAULT_CONFIG.squad.modelTimeoutS * 1000,
    });
  });

  it.each([
    [
      [
        { id: "a", command: "x" },
        { id: "a", command: "y" },
      ],
      "tasks[1].id: 'a' is already the id of tasks[0]",
    ],
    [[{ command: "x", prompt: "y" }], "tasks[0]: give exactly one of 'command'"],
    [[{}], "tasks[0]: give exactly one of 'command'"],
    [
      [{ command: "x", after: ["nope"] }],
      "tasks[0].after: 'nope' is not the id of a task in this squad (ids: t1)",
    ],
    [[{ command: "x", worker: "flash" }], "tasks[0].worker: only prompt tasks take this"],
    [[{ prompt: "x", worker: "gpt" }], "tasks[0].worker: unknown worker 'gpt'"],
    [[{ prompt: "x", cwd: "src" }], "tasks[0].cwd: only command tasks take a cwd"],
    [[{ id: "a b", command: "x" }], "tasks[0].id: 'a b' is not a usable id"],
    [
      [
        { id: "a", command: "x", after: ["c"] },
        { id: "b", command: "y", after: ["a"] },
        { id: "c", command: "z", after: ["b"] },
      ],
      "dependency cycle: a → c → b → a",
    ],
  ] as [TaskInput[], string][])("refuses %j", (tasks, message) => {
    expect(problem(tasks)).toContain(message);
  });

  it("measures the longest chain waiting behind each task", () => {
    const chains = chainLengths([
      { id: "a", after: [] },
      { id: "b", after: ["a"] },
      { id: "c", after: ["b"] },
      { id: "d", after: ["a"] },
    ]);
    expect(Object.fromEntries(chains)).toEqual({ a: 2, b: 1, c: 0, d: 0 });
  });
});
