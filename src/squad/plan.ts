import type { SquadConfig } from "../config.js";
import { UserInputError } from "../errors.js";
import { oneLine } from "../text/clip.js";

/** One task as the host wrote it (the tool's input). */
export interface TaskInput {
  id?: string | undefined;
  command?: string | undefined;
  prompt?: string | undefined;
  worker?: string | undefined;
  system?: string | undefined;
  files?: string[] | undefined;
  cwd?: string | undefined;
  timeout_s?: number | undefined;
  after?: string[] | undefined;
}

interface PlannedBase {
  id: string;
  position: number;
  /** What progress messages and results call the task. */
  label: string;
  timeoutMs: number;
  after: string[];
  /** Tasks in the longest chain waiting on this one (0 when nothing waits). */
  chain: number;
}

export interface PlannedCommand extends PlannedBase {
  kind: "command";
  command: string;
  cwd: string | undefined;
}

export interface PlannedPrompt extends PlannedBase {
  kind: "prompt";
  prompt: string;
  worker: string | undefined;
  system: string | undefined;
  files: string[];
}

export type PlannedTask = PlannedCommand | PlannedPrompt;
type Unchained = PlannedTask extends infer T
  ? T extends unknown
    ? Omit<T, "chain">
    : never
  : never;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * Checks a squad as a whole (ids, dependencies, aliases) and fills in defaults. Anything wrong
 * is an input error naming the task and field, before any work starts.
 */
export function planSquad(tasks: readonly TaskInput[], config: SquadConfig): PlannedTask[] {
  const ids = assignIds(tasks);
  const planned = tasks.map((task, position) => planTask(task, position, ids, config));
  checkDependencies(planned);
  const chains = chainLengths(planned);
  return planned.map((task): PlannedTask => ({ ...task, chain: chains.get(task.id) ?? 0 }));
}

function assignIds(tasks: readonly TaskInput[]): string[] {
  const ids = tasks.map((task, position) => task.id ?? `t${position + 1}`);
  const seen = new Map<string, number>();
  ids.forEach((id, position) => {
    if (tasks[position]?.id !== undefined && !ID_PATTERN.test(id)) {
      throw new UserInputError(
        `tasks[${position}].id`,
        `'${id}' is not a usable id (letters, digits, '.', '_', ':' or '-', up to 64)`,
      );
    }
    const before = seen.get(id);
    if (before !== undefined) {
      throw new UserInputError(
        `tasks[${position}].id`,
        `'${id}' is already the id of tasks[${before}]; ids must be unique`,
      );
    }
    seen.set(id, position);
  });
  return ids;
}

function planTask(
  task: TaskInput,
  position: number,
  ids: string[],
  config: SquadConfig,
): Unchained {
  const id = ids[position] ?? `t${position + 1}`;
  if ((task.command === undefined) === (task.prompt === undefined)) {
    throw new UserInputError(
      `tasks[${position}]`,
      "give exactly one of 'command' (a shell command) or 'prompt' (work for a model)",
    );
  }
  const base = {
    id,
    position,
    after: checkAfter(task.after ?? [], position, id, ids),
    label: task.id ?? oneLine(task.command ?? task.prompt ?? "", 60),
  };
  return task.command === undefined
    ? planPromptTask(task, base, config)
    : planCommandTask(task, task.command, base, config);
}

interface TaskBase {
  id: string;
  position: number;
  after: string[];
  label: string;
}

const taskField = (position: number, name: string) => `tasks[${position}].${name}`;

/** The task's dependencies, each an id of this squad other than its own, once each. */
function checkAfter(after: string[], position: number, id: string, ids: string[]): string[] {
  for (const dependency of after) {
    if (!ids.includes(dependency)) {
      throw new UserInputError(
        taskField(position, "after"),
        `'${dependency}' is not the id of a task in this squad (ids: ${ids.join(", ")})`,
      );
    }
    if (dependency === id) {
      throw new UserInputError(taskField(position, "after"), "a task cannot wait on itself");
    }
  }
  return [...new Set(after)];
}

function planCommandTask(
  task: TaskInput,
  command: string,
  base: TaskBase,
  config: SquadConfig,
): Unchained {
  for (const name of ["worker", "system", "files"] as const) {
    if (task[name] !== undefined) {
      throw new UserInputError(
        taskField(base.position, name),
        "only prompt tasks take this; a command runs as is",
      );
    }
  }
  if (!command.trim())
    throw new UserInputError(taskField(base.position, "command"), "empty command");
  return {
    ...base,
    kind: "command",
    command,
    cwd: task.cwd,
    timeoutMs: (task.timeout_s ?? config.commands.timeoutS) * 1000,
  };
}

function planPromptTask(task: TaskInput, base: TaskBase, config: SquadConfig): Unchained {
  const field = (name: string) => taskField(base.position, name);
  if (task.cwd !== undefined) {
    throw new UserInputError(field("cwd"), "only command tasks take a cwd");
  }
  if (task.worker !== undefined && !config.workers[task.worker]) {
    throw new UserInputError(
      field("worker"),
      `unknown worker '${task.worker}'; expected one of ${Object.keys(config.workers).join(", ")}`,
    );
  }
  const prompt = task.prompt ?? "";
  if (!prompt.trim()) throw new UserInputError(field("prompt"), "empty prompt");
  return {
    ...base,
    kind: "prompt",
    prompt,
    worker: task.worker,
    system: task.system,
    files: task.files ?? [],
    timeoutMs: (task.timeout_s ?? config.squad.modelTimeoutS) * 1000,
  };
}

/** Refuses cycles, naming one, so a squad can never wait forever. */
function checkDependencies(tasks: readonly Unchained[]): void {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      const cycle = [...path.slice(path.indexOf(id)), id].join(" → ");
      const position = byId.get(id)?.position ?? 0;
      throw new UserInputError(`tasks[${position}].after`, `dependency cycle: ${cycle}`);
    }
    state.set(id, "visiting");
    for (const next of byId.get(id)?.after ?? []) visit(next, [...path, id]);
    state.set(id, "done");
  };
  for (const task of tasks) visit(task.id, []);
}

/** For each task, how many tasks form the longest chain that waits on it. */
export function chainLengths(
  tasks: readonly Pick<PlannedTask, "id" | "after">[],
): Map<string, number> {
  const dependents = new Map<string, string[]>();
  for (const task of tasks) {
    for (const dependency of task.after) {
      dependents.set(dependency, [...(dependents.get(dependency) ?? []), task.id]);
    }
  }
  const memo = new Map<string, number>();
  const length = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const below = (dependents.get(id) ?? []).map((next) => 1 + length(next));
    const value = below.length ? Math.max(...below) : 0;
    memo.set(id, value);
    return value;
  };
  return new Map(tasks.map((task) => [task.id, length(task.id)]));
}
