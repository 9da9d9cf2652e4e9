import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  ProgressNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../src/memory/sqlite.js";
import { startFakeGemini } from "../fakes/gemini.js";
import { startFakeOllama } from "../fakes/ollama.js";
import { processesWith, waitUntilNoneWith } from "../support/processes.js";
import {
  callOk,
  type RunningServer,
  type RunTask,
  runCounts,
  runTasks,
  startServer,
  tempDir,
} from "../support/server.js";

interface RunView {
  run_id: string;
  status: string;
  host_tokens_saved?: number;
  logs: string;
  tasks: RunTask[];
  counts: Record<string, number>;
}

const byId = (run: RunView) => Object.fromEntries(run.tasks.map((task) => [task.id, task]));
const statuses = (run: RunView) =>
  Object.fromEntries(run.tasks.map((task) => [task.id, task.status]));

/** The result with its status groups flattened into `tasks`, and `counts` from them. */
function flat(result: Record<string, unknown>): RunView {
  return {
    ...(result as unknown as RunView),
    tasks: runTasks(result),
    counts: runCounts(result),
  };
}

async function squad(client: Client, args: Record<string, unknown>): Promise<RunView> {
  return flat(await callOk(client, "spawn_squad", args));
}

/** Running, not merely a zombie nobody reaped (orphans here are adopted by a non-reaping init). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

let sleeps = 0;
/** A `sleep` no other test starts: its command line finds its processes from outside the sandbox. */
function uniqueSleep(): string {
  sleeps += 1;
  return `sleep 6${sleeps}.${process.pid}`;
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

function project(): string {
  const root = tempDir("squad-project-");
  mkdirSync(join(root, "src"));
  writeFileSync(
    join(root, "src", "math.ts"),
    "export const add = (a: number, b: number) => a + b;\n",
  );
  return root;
}

describe("spawn_squad with commands", () => {
  let server: RunningServer;
  let root: string;
  beforeAll(async () => {
    root = project();
    server = await startServer({ cwd: root });
  });
  afterAll(() => server.close());

  it("reports passing, failing, timing-out, denied and outside-root commands, each by name", async () => {
    const run = await squad(server.client, {
      tasks: [
        { id: "pass", command: "echo all good" },
        { id: "fail", command: "echo 'error: disk on fire' >&2; exit 3" },
        { id: "slow", command: "sleep 30", timeout_s: 0.5 },
        { id: "push", command: "git push --force origin main" },
        { id: "outside", command: "ls", cwd: ".." },
      ],
    });
    expect(run.status).toBe("done");
    expect(statuses(run)).toEqual({
      pass: "ok",
      fail: "failed",
      slow: "timeout",
      push: "denied",
      outside: "denied",
    });
    const tasks = byId(run);
    expect(tasks.fail?.exit_code).toBe(3);
    expect(tasks.fail?.digest).toContain("disk on fire");
    expect(tasks.slow?.digest).toContain("timed out after 0.5 s");
    expect(tasks.push?.digest).toContain("git push --force");
    expect(tasks.outside?.digest).toContain("outside");
    expect(run.counts).toEqual({ ok: 1, failed: 1, timeout: 1, denied: 2 });
  });

  it("keeps the full output in a log resource and returns only a digest", async () => {
    const run = await squad(server.client, {
      tasks: [{ id: "many", command: "seq 1 20000; echo 'FATAL: the end' >&2; exit 1" }],
    });
    const task = byId(run).many;
    expect(run.logs.replace("{id}", "many")).toBe(`squad://runs/${run.run_id}/many`);
    expect(task?.digest?.length ?? 0).toBeLessThanOrEqual(2_000);
    expect(task?.digest).toContain("FATAL: the end");
    // Net of what the host read here, against the output its own Bash tool would have shown it
    // (at most 30,000 characters, ÷ 4 per token).
    expect(run.host_tokens_saved).toBeGreaterThan(6_000);
    expect(run.host_tokens_saved).toBeLessThanOrEqual(30_000 / 4);
    const resource = await server.client.readResource({ uri: run.logs.replace("{id}", "many") });
    const text = (resource.contents[0] as { text: string }).text;
    expect(text.split("\n")).toContain("19999");
    const listed = await server.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(run.logs.replace("{id}", "many"));
    await expect(
      server.client.readResource({ uri: `squad://runs/${run.run_id}/nope` }),
    ).rejects.toThrow(/no log for task 'nope'/);
  });

  it("shows paths under the task's folder relative to it, while its log keeps them whole", async () => {
    mkdirSync(join(root, "web"), { recursive: true });
    const run = await squad(server.client, {
      tasks: [
        {
          id: "lint",
          cwd: "web",
          command: `printf '%s/src/a.js\\n  3:7  error  x is not defined  no-undef\\n\\n1 problem (1 error, 0 warnings)\\n' "$PWD"; exit 1`,
        },
      ],
    });
    const task = byId(run).lint;
    expect(task?.digest).toContain("src/a.js");
    expect(task?.digest).not.toContain(root);
    const log = await server.client.readResource({ uri: run.logs.replace("{id}", "lint") });
    expect((log.contents[0] as { text: string }).text).toContain(join(root, "web", "src/a.js"));
  });

  it("runs a dependency chain and skips what depends on a failure", async () => {
    const run = await squad(server.client, {
      tasks: [
        { id: "build", command: "mkdir -p out && echo built > out/flag" },
        { id: "check", command: "test -f out/flag", after: ["build"] },
        { id: "broken", command: "exit 2", after: ["check"] },
        { id: "ship", command: "echo shipping", after: ["broken"] },
        { id: "docs", command: "echo docs", after: ["build"] },
      ],
    });
    expect(statuses(run)).toEqual({
      build: "ok",
      check: "ok",
      broken: "failed",
      ship: "skipped",
      docs: "ok",
    });
    expect(byId(run).ship?.digest).toContain("broken ended failed");
  });

  it("sends a progress notification at each task start and end", async () => {
    // The SDK client hands notifications to their handler a microtask late and forgets a
    // request's progress callback as soon as its response is handled, so notifications that
    // reach it in the same read as the response are dropped by `onprogress`. Listening to the
    // notifications themselves shows what the server sent.
    const seen: { progress: number; message?: string | undefined }[] = [];
    const own = await startServer({ cwd: root });
    own.client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
      seen.push(notification.params);
    });
    try {
      const result = await own.client.callTool(
        {
          name: "spawn_squad",
          arguments: {
            tasks: [
              { id: "one", command: "true" },
              { id: "two", command: "exit 1", after: ["one"] },
              { id: "three", command: "true", after: ["two"] },
            ],
          },
        },
        CallToolResultSchema,
        { onprogress: () => {} },
      );
      expect(result.isError).toBeFalsy();
      expect(await until(() => seen.length >= 5, 2_000)).toBe(true);
      expect(seen.map((update) => update.message)).toEqual([
        "0/3 done — started one",
        expect.stringMatching(/^1\/3 done — one ok/),
        "1/3 done — started two",
        expect.stringMatching(/^2\/3 done — two failed/),
        "3/3 done — three skipped: skipped: two ended failed",
      ]);
      expect(seen.map((update) => update.progress)).toEqual([1, 2, 3, 4, 6]);
    } finally {
      await own.close();
    }
  });

  it("refuses a squad with a dependency cycle before running anything", async () => {
    const result = await server.client.callTool({
      name: "spawn_squad",
      arguments: {
        tasks: [
          { id: "a", command: "touch a-ran", after: ["b"] },
          { id: "b", command: "true", after: ["a"] },
        ],
      },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("dependency cycle");
    expect(existsSync(join(root, "a-ran"))).toBe(false);
  });
});

describe("cancelling and long runs", () => {
  it("kills the whole process group when the request is cancelled, setsid included", async () => {
    const root = project();
    const marker = uniqueSleep();
    const server = await startServer({ cwd: root });
    try {
      const controller = new AbortController();
      const call = server.client
        .callTool(
          {
            name: "spawn_squad",
            arguments: {
              tasks: [{ id: "tree", command: `${marker} & setsid ${marker} & ${marker} & wait` }],
            },
          },
          CallToolResultSchema,
          { signal: controller.signal },
        )
        .catch((error: Error) => error);
      expect(await until(() => processesWith(marker).length === 3, 5_000)).toBe(true);
      controller.abort();
      await call;
      // setsid leaves the process group, not the sandbox's PID namespace.
      expect(await waitUntilNoneWith(marker, 5_000)).toBe(true);
      // The client stops waiting at abort; the server records the task's end a moment later.
      let runId = "";
      for (let tries = 0; runId === "" && tries < 100; tries++) {
        const { resources } = await server.client.listResources();
        const log = resources.find((resource) => resource.uri.startsWith("squad://runs/"));
        runId = log?.uri.split("/")[3] ?? "";
        if (runId === "") await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(runId).not.toBe("");
      const status = flat(
        await callOk(server.client, "squad_status", {
          run_id: runId,
          wait_s: 5,
        }),
      );
      expect(status.status).toBe("cancelled");
      expect(statuses(status)).toEqual({ tree: "cancelled" });
    } finally {
      await server.close();
    }
  });

  it("returns a run_id at once with wait=false and reports through squad_status", async () => {
    const server = await startServer({ cwd: project() });
    try {
      const started = await squad(server.client, {
        wait: false,
        tasks: [
          { id: "quick", command: "echo quick" },
          { id: "later", command: "sleep 1; echo later", after: ["quick"] },
        ],
      });
      expect(started.status).toBe("running");
      const now = flat(
        await callOk(server.client, "squad_status", {
          run_id: started.run_id,
        }),
      );
      expect(now.status).toBe("running");
      const final = flat(
        await callOk(server.client, "squad_status", {
          run_id: started.run_id,
          wait_s: 20,
        }),
      );
      expect(final.status).toBe("done");
      expect(statuses(final)).toEqual({ quick: "ok", later: "ok" });
      const unknown = await server.client.callTool({
        name: "squad_status",
        arguments: { run_id: "r-000000000000" },
      });
      expect(unknown.isError).toBe(true);
      expect(JSON.stringify(unknown.content)).toContain(started.run_id);
    } finally {
      await server.close();
    }
  });

  it("kill -9 of the server leaves no command running within 2 s; after a restart the run is interrupted", async () => {
    const root = project();
    const home = tempDir("squad-home-");
    const marker = uniqueSleep();
    const first = await startServer({ cwd: root, home });
    const started = await squad(first.client, {
      wait: false,
      tasks: [
        { id: "long", command: `setsid ${marker} & ${marker}` },
        { id: "next", command: "true", after: ["long"] },
      ],
    });
    try {
      expect(await until(() => processesWith(marker).length === 2, 5_000)).toBe(true);
      process.kill(first.pid() ?? 0, "SIGKILL");
      await first.close().catch(() => {});
      // bwrap dies with its parent, and everything in its PID namespace with it.
      expect(await waitUntilNoneWith(marker, 2_000)).toBe(true);
      const second = await startServer({ cwd: root, home });
      try {
        const status = flat(
          await callOk(second.client, "squad_status", {
            run_id: started.run_id,
          }),
        );
        expect(status.status).toBe("interrupted");
        expect(statuses(status)).toEqual({ long: "interrupted", next: "interrupted" });
        expect(byId(status).long?.digest).toContain("interrupted");
      } finally {
        await second.close();
      }
    } finally {
      for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
    }
  });

  it("without a sandbox, the server started after one killed with -9 kills the groups it left", async () => {
    const root = project();
    const home = tempDir("squad-home-");
    writeFileSync(
      join(root, "squad.config.json"),
      JSON.stringify({ commands: { sandbox: "off" } }),
    );
    const marker = uniqueSleep();
    const first = await startServer({ cwd: root, home });
    const started = await squad(first.client, {
      wait: false,
      tasks: [{ id: "long", command: `${marker} & ${marker}` }],
    });
    try {
      expect(await until(() => processesWith(marker).length === 2, 5_000)).toBe(true);
      process.kill(first.pid() ?? 0, "SIGKILL");
      await first.close().catch(() => {});
      // Nothing ties a process group to the server that started it: only the next server can.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(processesWith(marker)).toHaveLength(2);
      const second = await startServer({ cwd: root, home });
      try {
        expect(await waitUntilNoneWith(marker, 2_000)).toBe(true);
        const status = flat(
          await callOk(second.client, "squad_status", {
            run_id: started.run_id,
          }),
        );
        expect(status.status).toBe("interrupted");
        expect(statuses(status)).toEqual({ long: "interrupted" });
      } finally {
        await second.close();
      }
    } finally {
      for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
    }
  });

  it("a server still running sees another server's run as interrupted once that server died", async () => {
    const root = project();
    const home = tempDir("squad-home-");
    const marker = uniqueSleep();
    const [first, second] = await Promise.all([
      startServer({ cwd: root, home }),
      startServer({ cwd: root, home }),
    ]);
    try {
      const started = await squad(first.client, {
        wait: false,
        tasks: [{ id: "long", command: marker }],
      });
      expect(await until(() => processesWith(marker).length === 1, 5_000)).toBe(true);
      const before = flat(
        await callOk(second.client, "squad_status", {
          run_id: started.run_id,
        }),
      );
      expect(before.status).toBe("running");
      process.kill(first.pid() ?? 0, "SIGKILL");
      expect(await until(() => !alive(first.pid() ?? 0), 2_000)).toBe(true);
      const after = flat(
        await callOk(second.client, "squad_status", {
          run_id: started.run_id,
          wait_s: 5,
        }),
      );
      expect(after.status).toBe("interrupted");
    } finally {
      await first.close().catch(() => {});
      await second.close();
      for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
    }
  });

  it("on SIGTERM kills running commands, marks the run interrupted and exits within 2 s", async () => {
    const root = project();
    const home = tempDir("squad-home-");
    const marker = uniqueSleep();
    const server = await startServer({ cwd: root, home });
    const started = await squad(server.client, {
      wait: false,
      tasks: [{ id: "long", command: `setsid ${marker} & exec ${marker}` }],
    });
    expect(await until(() => processesWith(marker).length === 2, 5_000)).toBe(true);
    const pid = server.pid() ?? 0;
    const signalled = Date.now();
    process.kill(pid, "SIGTERM");
    expect(await until(() => !alive(pid), 2_000)).toBe(true);
    expect(Date.now() - signalled).toBeLessThan(2_000);
    expect(await waitUntilNoneWith(marker, 500)).toBe(true);
    await server.close().catch(() => {});
    const db = openSqlite(join(home, "squad.db"), { readOnly: true });
    try {
      const run = db.prepare("SELECT status FROM runs WHERE id = ?").get(started.run_id);
      expect(run).toEqual({ status: "interrupted" });
      const groups = db.prepare("SELECT count(*) AS n FROM command_groups").get();
      expect(groups).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it("stays small while a task prints 200 MB", async () => {
    const server = await startServer({ cwd: project() });
    try {
      const run = await squad(server.client, {
        tasks: [
          { id: "flood", command: "head -c 200000000 /dev/zero | tr '\\0' 'x'; echo; echo done" },
        ],
      });
      expect(statuses(run)).toEqual({ flood: "ok" });
      const status = readFileSync(`/proc/${server.pid()}/status`, "utf8");
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
      expect(peakKb).toBeGreaterThan(0);
      expect(peakKb / 1024).toBeLessThan(150);
      expect(byId(run).flood?.digest?.length ?? 0).toBeLessThanOrEqual(2_000);
      // 200 MB the host did not read, counted as its own Bash tool would have shown it: the
      // first 30,000 characters (÷ 4 per token), less what it read here.
      expect(run.host_tokens_saved).toBeGreaterThan(6_000);
      expect(run.host_tokens_saved).toBeLessThanOrEqual(30_000 / 4);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("spawn_squad with model workers", () => {
  it("sends prompts to Ollama and Gemini with attached files, and records each call", async () => {
    const ollama = await startFakeOllama({ models: [{ name: "qwen2.5-coder:7b" }] });
    const gemini = await startFakeGemini();
    ollama.script("qwen2.5-coder:7b", ["/** Adds two numbers. */"]);
    gemini.script("gemini-2.5-flash", ["The module exports add."]);
    const root = project();
    const server = await startServer({
      cwd: root,
      env: { OLLAMA_HOST: ollama.url, GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
    });
    try {
      const run = await squad(server.client, {
        tasks: [
          {
            id: "doc",
            prompt: "Write a docstring for add",
            worker: "qwen-fast",
            files: ["src/math.ts"],
          },
          { id: "sum", prompt: "Summarise this module", worker: "flash", files: ["src/math.ts"] },
        ],
      });
      expect(statuses(run)).toEqual({ doc: "ok", sum: "ok" });
      expect(byId(run).doc?.digest).toContain("Adds two numbers.");
      expect(byId(run).sum?.digest).toContain("exports add");
      const chat = ollama.requests.find((r) => r.path === "/api/chat");
      expect(JSON.stringify(chat?.body)).toContain("export const add");
      expect(gemini.requests[0]?.text).toContain("export const add");
      const log = await server.client.readResource({ uri: run.logs.replace("{id}", "doc") });
      expect((log.contents[0] as { text: string }).text).toContain(
        "## answer\n/** Adds two numbers. */",
      );
    } finally {
      await server.close();
      await ollama.close();
      await gemini.close();
    }
  });
});

const ONLY_FLASH = {
  workers: {
    "qwen-fast": null,
    "qwen-coder": null,
    "qwen-moe": null,
    "flash-lite": null,
    pro: null,
  },
  roles: { coder: "flash", validator: "flash", summarizer: "flash" },
  routing: { exploration: 0 },
};

function perMinute429(retry: string) {
  return {
    status: 429,
    error: {
      message: "You exceeded your current quota. Please retry in 1s.",
      status: "RESOURCE_EXHAUSTED",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          violations: [{ quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" }],
        },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: retry },
      ],
    },
  };
}

describe("Gemini limits through spawn_squad", () => {
  it("waits out a per-minute 429 as RetryInfo says, then answers", async () => {
    const gemini = await startFakeGemini();
    gemini.script("gemini-2.5-flash", [perMinute429("1s"), "second time lucky"]);
    const server = await startServer({
      cwd: project(),
      env: { GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
    });
    try {
      const run = await squad(server.client, {
        tasks: [{ id: "ask", prompt: "Say something", worker: "flash" }],
      });
      expect(statuses(run)).toEqual({ ask: "ok" });
      expect(byId(run).ask?.digest).toMatch(/per-minute 429/);
      expect(byId(run).ask?.digest).toContain("second time lucky");
      expect(gemini.requests).toHaveLength(2);
    } finally {
      await server.close();
      await gemini.close();
    }
  });

  it("cools an alias down when its daily quota is spent, and route_task passes over it", async () => {
    const gemini = await startFakeGemini({ rpdLimit: 1 });
    const root = project();
    writeFileSync(join(root, "squad.config.json"), JSON.stringify(ONLY_FLASH));
    const server = await startServer({
      cwd: root,
      env: { GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
    });
    try {
      const before = await callOk(server.client, "route_task", { task: "Summarise the changelog" });
      expect(before).toMatchObject({ route: "squad", worker: "flash" });
      const run = await squad(server.client, {
        tasks: [
          { id: "first", prompt: "Summarise the changelog", worker: "flash" },
          {
            id: "second",
            prompt: "Summarise the release notes",
            worker: "flash",
            after: ["first"],
          },
        ],
      });
      expect(statuses(run)).toEqual({ first: "ok", second: "error" });
      expect(byId(run).second?.digest).toMatch(/cooled down until \d{4}-/);
      const again = await squad(server.client, {
        tasks: [{ id: "third", prompt: "Summarise the README", worker: "flash" }],
      });
      expect(statuses(again)).toEqual({ third: "error" });
      expect(byId(again).third?.digest).toMatch(/daily quota/);
      // The first refusal came from the API; the cooldown answers the next one without a request.
      expect(gemini.requests).toHaveLength(2);
      const after = await callOk(server.client, "route_task", { task: "Summarise the changelog" });
      expect(after).toMatchObject({ route: "host" });
      expect(String(after.rationale)).toMatch(/daily quota spent.*resets \d{4}-\d\d-\d\dT/);
    } finally {
      await server.close();
      await gemini.close();
    }
  });
});

describe("Ollama pool through spawn_squad", () => {
  it("moves work to the other host when one stops answering mid-run", async () => {
    const slow = {
      models: [{ name: "qwen2.5-coder:7b" }],
      tokensPerSecond: 20,
      reply: () => "a fairly long answer that takes a while to generate here",
    };
    const [first, second] = await Promise.all([startFakeOllama(slow), startFakeOllama(slow)]);
    const server = await startServer({
      cwd: project(),
      env: { OLLAMA_HOST: `${first.url},${second.url}` },
    });
    try {
      const call = squad(server.client, {
        tasks: Array.from({ length: 4 }, (_, i) => ({
          id: `p${i}`,
          prompt: `Docstring number ${i}`,
          worker: "qwen-fast",
        })),
      });
      const chats = (fake: typeof first) => fake.requests.filter((r) => r.path === "/api/chat");
      expect(await until(() => chats(first).length > 0 && chats(second).length > 0, 5_000)).toBe(
        true,
      );
      first.setDown(true);
      const run = await call;
      expect(statuses(run)).toEqual({ p0: "ok", p1: "ok", p2: "ok", p3: "ok" });
      expect(run.tasks.some((task) => /stopped answering.*moved to/.test(task.digest ?? ""))).toBe(
        true,
      );
      expect(chats(second).length).toBeGreaterThanOrEqual(3);
    } finally {
      await server.close();
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("routes a prompt given no worker the way route_task would, and records the call", async () => {
    const ollama = await startFakeOllama({ models: [{ name: "qwen2.5-coder:7b" }] });
    const root = project();
    const home = tempDir("squad-home-");
    writeFileSync(join(root, "squad.config.json"), JSON.stringify({ routing: { exploration: 0 } }));
    const server = await startServer({ cwd: root, home, env: { OLLAMA_HOST: ollama.url } });
    try {
      const run = await squad(server.client, {
        tasks: [
          { id: "doc", prompt: "Add a docstring to add() in src/math.ts", files: ["src/math.ts"] },
          {
            id: "arch",
            prompt: "Should we split the monolith into microservices? Decide the architecture.",
          },
        ],
      });
      expect(byId(run).doc).toMatchObject({ status: "ok", worker: "qwen-fast" });
      expect(byId(run).doc?.decision_id).toMatch(/^d-/);
      expect(byId(run).arch?.status).toBe("error");
      expect(byId(run).arch?.digest).toMatch(/keeps this with the host/);
      const db = openSqlite(join(home, "squad.db"), { readOnly: true });
      try {
        const calls = db
          .prepare("SELECT worker, model, ok, tokens_in, run_id, task_id FROM model_calls")
          .all();
        expect(calls).toEqual([
          {
            worker: "qwen-fast",
            model: "qwen2.5-coder:7b",
            ok: 1,
            tokens_in: expect.any(Number),
            run_id: run.run_id,
            task_id: "doc",
          },
        ]);
      } finally {
        db.close();
      }
    } finally {
      await server.close();
      await ollama.close();
    }
  });
});
