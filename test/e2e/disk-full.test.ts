import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../src/memory/sqlite.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.js";
import {
  callOk,
  type RunningServer,
  type RunTask,
  runTasks,
  startServer,
  tempDir,
} from "../support/server.js";

interface RunView {
  run_id: string;
  status: string;
  tasks: RunTask[];
}

/** A squad result with its status groups flattened into one list of tasks. */
async function squadCall(
  server: RunningServer,
  tool: "spawn_squad" | "squad_status",
  args: Record<string, unknown>,
): Promise<RunView> {
  const result = await callOk(server.client, tool, args);
  return { ...(result as unknown as RunView), tasks: runTasks(result) };
}

/** A 2 MiB tmpfs, where the system lets this process mount one (root in a container); else null. */
function mountSmallDisk(folder: string): boolean {
  mkdirSync(folder, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", folder], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

type Task = { command: string } | { prompt: string; worker: string };

/**
 * The tasks of one squad whose flood fills the disk, and how each must end: its digest, or null
 * for a command that printed nothing and so has none.
 */
const squadOnFullDisk: [id: string, task: Task, status: string, digest: RegExp | null][] = [
  [
    "flood",
    { command: "yes squad | head -c 5000000" },
    "error",
    /^disk full writing \/.*\/flood\.log/,
  ],
  ["quiet", { command: "true" }, "ok", null],
  ["late", { command: "sleep 0.5; echo late" }, "error", /^disk full writing \/.*\/late\.log/],
  [
    "answer",
    { prompt: "Say hello", worker: "qwen-fast" },
    "error",
    /^disk full writing \/.*\/answer\.log/,
  ],
];

const base = tempDir("squad-disk-full-");
const disk = join(base, "disk");
const mounted = mountSmallDisk(disk);

describe.skipIf(!mounted)("a squad on a disk that fills up (2 MiB tmpfs)", () => {
  let server: RunningServer;
  let ollama: FakeOllama;
  beforeAll(async () => {
    const project = join(base, "project");
    mkdirSync(project);
    // The answer comes after the flood has filled the disk, so its log cannot be written.
    ollama = await startFakeOllama({
      models: [{ name: "qwen2.5-coder:7b" }],
      reply: () => ({ content: "hello", delayMs: 1_000 }),
    });
    server = await startServer({
      home: join(disk, "home"),
      cwd: project,
      env: { HOME: base, OLLAMA_HOST: ollama.url },
    });
  });
  afterAll(async () => {
    await server?.close();
    await ollama?.close();
    if (mounted) execFileSync("umount", [disk]);
    rmSync(base, { recursive: true, force: true });
  });

  let run: RunView;
  it("ends the run, with the flooding task in error naming the log and the others' results", async () => {
    run = await squadCall(server, "spawn_squad", {
      tasks: squadOnFullDisk.map(([id, task]) => ({ id, ...task })),
    });
    expect(run.status).toBe("done");
    for (const [id, , status, digest] of squadOnFullDisk) {
      const task = run.tasks.find((candidate) => candidate.id === id);
      expect({ id, status: task?.status }).toEqual({ id, status });
      if (digest) expect(task?.digest).toMatch(digest);
      else expect(task?.digest).toBeUndefined();
    }
    const status = await squadCall(server, "squad_status", { run_id: run.run_id });
    expect(status.status).toBe("done");
    expect(server.stderr()).toMatch(/could not save task results: database or disk is full/);
  });

  it("writes everything to the database once space is back, and runs the next squad", async () => {
    rmSync(join(disk, "home", "runs", run.run_id, "flood.log"));
    const next = await squadCall(server, "spawn_squad", {
      tasks: [{ id: "after", command: "echo recovered" }],
    });
    expect(next.tasks[0]).toMatchObject({
      status: "ok",
      digest: expect.stringMatching(/recovered/),
    });

    const db = openSqlite(join(disk, "home", "squad.db"), { readOnly: true });
    try {
      const stored = db.prepare("SELECT status FROM runs WHERE id = ?").get(run.run_id) as {
        status: string;
      };
      expect(stored.status).toBe("done");
      const tasks = db
        .prepare("SELECT task_id, status FROM run_tasks WHERE run_id = ? ORDER BY position")
        .all(run.run_id) as { task_id: string; status: string }[];
      expect(tasks.map((task) => [task.task_id, task.status])).toEqual(
        squadOnFullDisk.map(([id, , status]) => [id, status]),
      );
    } finally {
      db.close();
    }
  });
});
