import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../src/memory/sqlite.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.js";
import { initRepo } from "../support/git-repo.js";
import { callError, callOk, runTasks, startServer, tempDir } from "../support/server.js";

function projectWith(files: Record<string, string>): string {
  const root = tempDir("squad-project-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const ACGME_SKILL = `---
name: acgme-compliance
description: Validate residency schedules against ACGME duty hour rules (80-hour week, one day off in seven, 24+4 continuous duty).
---
# ACGME compliance
`;
const DOCS = "Add docstrings to the helpers in utils.py";
const NO_EXPLORATION = JSON.stringify({ routing: { exploration: 0 } });

/** The chosen worker's record as the rationale states it: "qwen-fast 3/3 on docs". */
function recordOf(routed: Record<string, unknown>): string | undefined {
  return String(routed.rationale).match(/\S+ \d+\/\d+ on \w+/)?.[0];
}

describe("routing end to end", () => {
  let ollama: FakeOllama;
  beforeAll(async () => {
    ollama = await startFakeOllama({
      models: [{ name: "qwen2.5-coder:7b" }, { name: "qwen2.5-coder:32b" }],
    });
  });
  afterAll(() => ollama.close());

  it("keeps skill-bound work with the host and sends the grep for the domain term to the squad", async () => {
    const cwd = projectWith({
      ".claude/skills/acgme-compliance/SKILL.md": ACGME_SKILL,
      "squad.config.json": NO_EXPLORATION,
    });
    const server = await startServer({ cwd, env: { OLLAMA_HOST: ollama.url } });
    try {
      const compliance = await callOk(server.client, "route_task", {
        task: "Check whether next month's call schedule violates the ACGME duty hour limits",
      });
      // Skills listed: the task needs them and stays with the host.
      expect(compliance).toMatchObject({ route: "host", skills: ["acgme-compliance"] });
      const grep = await callOk(server.client, "route_task", {
        task: 'grep -r "ACGMEValidator" backend/',
      });
      expect(grep).toMatchObject({
        kind: "command",
        route: "squad",
        category: "explore",
      });
      // No skill needed, and no worker, provider or model for a command.
      expect(grep).not.toHaveProperty("skills");
      expect(grep).not.toHaveProperty("worker");
      expect(grep).not.toHaveProperty("provider");
      expect(grep).not.toHaveProperty("model");
    } finally {
      await server.close();
    }
  });

  it("reads skills from the user's ~/.claude/skills too", async () => {
    const home = projectWith({ ".claude/skills/acgme/SKILL.md": ACGME_SKILL });
    const server = await startServer({ env: { OLLAMA_HOST: ollama.url, HOME: home } });
    try {
      const result = await callOk(server.client, "route_task", {
        task: "Apply the acgme-compliance rules to this roster",
      });
      expect(result).toMatchObject({ route: "host", skills: ["acgme-compliance"] });
    } finally {
      await server.close();
    }
  });

  it("with no backend: a command goes to the squad, model work to the host saying why", async () => {
    const server = await startServer();
    try {
      const command = await callOk(server.client, "route_task", {
        task: "cd backend && pytest -v",
      });
      expect(command).toMatchObject({ kind: "command", route: "squad" });
      expect(command).not.toHaveProperty("worker");
      expect(command.rationale).toMatch(/spawn_squad/);
      const generation = await callOk(server.client, "route_task", { task: DOCS });
      expect(generation).toMatchObject({ kind: "host", route: "host" });
      expect(generation).not.toHaveProperty("worker");
      expect(generation.rationale).toMatch(
        /no usable worker: .*no Ollama host reachable.*GEMINI_API_KEY not set/,
      );
    } finally {
      await server.close();
    }
  });

  it("proposes the project's own command for a command in words", async () => {
    const cwd = projectWith({ "backend/package.json": '{"scripts":{"test":"vitest run"}}' });
    const server = await startServer({ cwd, env: { OLLAMA_HOST: ollama.url } });
    try {
      const result = await callOk(server.client, "route_task", { task: "run the backend tests" });
      expect(result).toMatchObject({ kind: "command", commands: ["cd backend && npm test"] });
      expect(result).not.toHaveProperty("worker");
    } finally {
      await server.close();
    }
  });

  it("an outcome logged on a command decision moves no worker's record", async () => {
    const cwd = projectWith({ "squad.config.json": NO_EXPLORATION });
    const server = await startServer({ cwd, env: { OLLAMA_HOST: ollama.url } });
    try {
      const before = await callOk(server.client, "route_task", { task: DOCS });
      expect(before).toMatchObject({ kind: "model" });
      // The chosen worker's record on the category, as the rationale gives it: none yet.
      expect(before.rationale).toMatch(/ 0\/0 on docs/);
      const command = await callOk(server.client, "route_task", { task: "pytest -q" });
      const logged = await callOk(server.client, "log_outcome", {
        decision_id: command.decision_id,
        success: false,
        notes: "2 tests fail",
      });
      expect(logged.profile).toMatchObject({ worker: "squad", category: "tests", n: 1 });
      expect(logged.effect).toMatch(/moves no worker's record/);
      expect(
        await callError(server.client, "log_outcome", {
          decision_id: command.decision_id,
          worker: "qwen-fast",
          success: false,
        }),
      ).toMatch(/routed a shell command.*cannot count for 'qwen-fast'/);
      const tests = await callOk(server.client, "log_outcome", {
        worker: "qwen-fast",
        category: "tests",
        success: true,
      });
      expect(tests.profile).toMatchObject({ worker: "qwen-fast", n: 1, successes: 1 });
      const after = await callOk(server.client, "route_task", { task: DOCS });
      expect(recordOf(after)).toEqual(recordOf(before));
    } finally {
      await server.close();
    }
  });

  it("records nothing against a worker its work never reached: a prompt, a validator, a coder", async () => {
    const down = await startFakeOllama({ models: [{ name: "qwen2.5-coder:7b" }] });
    const cwd = await initRepo(tempDir("squad-project-"), {
      "squad.config.json": NO_EXPLORATION,
      "notes.md": "# notes\n",
      "src/add.js": "export const add = (a, b) => a - b;\n",
    });
    const home = tempDir("squad-home-");
    const server = await startServer({ cwd, home, env: { OLLAMA_HOST: down.url } });
    try {
      const routed = await callOk(server.client, "route_task", { task: DOCS });
      expect(routed).toMatchObject({ kind: "model", worker: "qwen-fast" });
      down.setDown(true);
      const run = await callOk(server.client, "spawn_squad", {
        tasks: [{ id: "doc", prompt: DOCS, worker: "qwen-fast", files: ["notes.md"] }],
      });
      expect(runTasks(run)).toEqual([expect.objectContaining({ id: "doc", status: "error" })]);
      // The validator (flash) has no key and there are no checks: nothing judged the output.
      const result = await server.client.callTool({
        name: "validate_output",
        arguments: {
          task: DOCS,
          output: "def add(a, b):\n    return a + b\n",
          decision_id: routed.decision_id,
        },
      });
      expect(result.structuredContent).toMatchObject({ pass: false, escalate: true });
      const text = (result.content as { text: string }[])[0]?.text ?? "";
      expect(text).toMatch(/nothing judged the output, so no outcome was recorded/);
      expect(text).not.toMatch(/logged for/);
      // The coder's host is down: implement_spec never reaches it.
      await callOk(server.client, "write_code_spec", {
        title: "Fix add",
        objective: "add returns the sum.",
        files: [{ path: "src/add.js", action: "MODIFY", change: "a + b" }],
        verification: "true",
      });
      const implemented = await callOk(server.client, "implement_spec", {
        spec_id: "CS-001",
        coder: "qwen-fast",
      });
      expect(implemented).toMatchObject({ coder_reached: false });
      expect(implemented).not.toHaveProperty("patch");
      const db = openSqlite(join(home, "squad.db"), { readOnly: true });
      try {
        expect(db.prepare("SELECT count(*) AS n FROM outcomes").get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    } finally {
      await server.close();
      await down.close();
    }
  });

  it("prefers the loaded model, then learns from outcomes and remembers after a restart", async () => {
    await new Ollama({ host: ollama.url }).generate({ model: "qwen2.5-coder:32b", prompt: "" });
    const cwd = projectWith({ "squad.config.json": NO_EXPLORATION });
    const home = tempDir("squad-home-");
    const task = DOCS;
    const first = await startServer({ cwd, home, env: { OLLAMA_HOST: ollama.url } });
    try {
      const before = await callOk(first.client, "route_task", { task });
      expect(before).toMatchObject({ worker: "qwen-coder", loaded: true, category: "docs" });
      for (let round = 0; round < 3; round++) {
        const failure = { success: false, notes: "docstrings contradicted the code" };
        const failed = await callOk(
          first.client,
          "log_outcome",
          round === 0
            ? { decision_id: before.decision_id, ...failure }
            : { worker: "qwen-coder", category: "docs", ...failure },
        );
        expect(failed.profile).toMatchObject({
          worker: "qwen-coder",
          category: "docs",
          n: round + 1,
          successes: 0,
        });
        await callOk(first.client, "log_outcome", {
          worker: "qwen-fast",
          category: "docs",
          success: true,
          latency_ms: 900,
        });
      }
      const after = await callOk(first.client, "route_task", { task });
      expect(after).toMatchObject({ route: "squad", worker: "qwen-fast" });
      expect(after.rationale).toMatch(/qwen-fast 3\/3 on docs/);
      expect(after.rationale).toMatch(/passed over qwen-coder \(3 failures in a row\)/);
      expect(after.similar).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            worker: "qwen-coder",
            success: false,
            notes: "docstrings contradicted the code",
          }),
        ]),
      );
    } finally {
      await first.close();
    }
    const second = await startServer({ cwd, home, env: { OLLAMA_HOST: ollama.url } });
    try {
      const afterRestart = await callOk(second.client, "route_task", { task });
      expect(afterRestart).toMatchObject({ worker: "qwen-fast" });
      expect(afterRestart.rationale).toMatch(/qwen-fast 3\/3 on docs/);
    } finally {
      await second.close();
    }
  });

  it("lets a failed worker recover: one success ends its streak", async () => {
    const server = await startServer({
      cwd: projectWith({ "squad.config.json": NO_EXPLORATION }),
      env: { OLLAMA_HOST: ollama.url },
    });
    try {
      for (let i = 0; i < 3; i++)
        await callOk(server.client, "log_outcome", {
          worker: "qwen-fast",
          category: "docs",
          success: false,
        });
      const blocked = await callOk(server.client, "log_outcome", {
        worker: "qwen-fast",
        category: "docs",
        success: false,
      });
      expect(blocked.effect).toMatch(/4 failures in a row: passed over for docs/);
      expect(await callOk(server.client, "route_task", { task: DOCS })).toMatchObject({
        worker: "qwen-coder",
      });
      const recovered = await callOk(server.client, "log_outcome", {
        worker: "qwen-fast",
        category: "docs",
        success: true,
      });
      expect(recovered.effect).toMatch(/below the 0.8 bar/);
    } finally {
      await server.close();
    }
  });
  it("waits on a host that never answers at most once, then uses the cached verdict", async () => {
    const sockets: Socket[] = [];
    let requests = 0;
    // Counts requests, not connections: undici opens a spare connection after an abort.
    const blackhole = createServer((socket) => {
      sockets.push(socket);
      socket.on("data", (chunk) => {
        requests += String(chunk).match(/^(GET|POST) \/api\//gm)?.length ?? 0;
      });
    });
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
    const { port } = blackhole.address() as { port: number };
    const server = await startServer({ env: { OLLAMA_HOST: `http://127.0.0.1:${port}` } });
    try {
      const started = Date.now();
      const first = await callOk(server.client, "route_task", { task: DOCS });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(first.rationale).toMatch(/no answer within 500 ms/);
      const probes = requests;
      expect(probes).toBeGreaterThan(0);
      for (let i = 0; i < 5; i++) await callOk(server.client, "route_task", { task: DOCS });
      expect(requests).toBe(probes);
    } finally {
      await server.close();
      for (const socket of sockets) socket.destroy();
      blackhole.close();
    }
  });
});
