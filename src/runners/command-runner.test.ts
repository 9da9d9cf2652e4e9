import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  processesWith,
  waitForProcessWith,
  waitUntilNoneWith,
} from "../../test/support/processes.js";
import { DEFAULT_CONFIG, type SquadConfig } from "../config.js";
import { type CommandRequest, CommandRunner } from "./command-runner.js";
import { probeSandbox } from "./sandbox.js";

let base: string;
let project: string;
let logCount = 0;
let markerCount = 0;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-runner-")));
  project = join(base, "project");
  mkdirSync(project);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function runnerWith(commands: Partial<SquadConfig["commands"]> = {}, env: NodeJS.ProcessEnv = {}) {
  return new CommandRunner({
    commands: { ...DEFAULT_CONFIG.commands, ...commands },
    projectRoot: project,
    userHome: join(base, "home"),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
  });
}

function request(command: string, overrides: Partial<CommandRequest> = {}): CommandRequest {
  logCount += 1;
  return {
    command,
    timeoutMs: 20_000,
    logFile: join(base, "runs", `run-${logCount}`, "task.log"),
    tailBytes: 16 * 1024,
    ...overrides,
  };
}

/** A `sleep` no other test starts: its command line finds its processes. */
function uniqueSleep(): string {
  markerCount += 1;
  return `sleep 3${markerCount}.${process.pid}`;
}

const MODES = ["auto", "off"] as const;

describe.each(MODES)("CommandRunner with commands.sandbox %s", (sandbox) => {
  const runner = () => runnerWith({ sandbox });

  it("runs a command with stdout and stderr in the log, in order", async () => {
    const run = request("echo out; echo err >&2; echo again");
    const result = await runner().run(run);
    expect(result).toMatchObject({
      status: "ok",
      exitCode: 0,
      signal: null,
      problem: null,
      tail: "out\nerr\nagain\n",
      logBytes: 14,
      sandboxed: sandbox === "auto",
    });
    expect(readFileSync(run.logFile, "utf8")).toBe("out\nerr\nagain\n");
  });

  it("reports the exit code of a failing command, and the size of the log without its text", async () => {
    const result = await runner().run(request("printf 'failing' >&2; exit 3", { tailBytes: 0 }));
    expect(result).toMatchObject({ status: "failed", exitCode: 3, logBytes: 7, tail: "" });
  });

  it("runs in the folder asked for, inside the project, with secrets stripped", async () => {
    mkdirSync(join(project, "pkg"), { recursive: true });
    const env = {
      HOME: "/home/someone",
      FOO_TOKEN: "t",
      OPENAI_API_KEY: "k",
      GEMINI_API_KEY: "g",
      DATABASE_URL: "postgres://app:hunter2@db.internal/app",
      KEEP_THIS_KEY: "kept",
    };
    const result = await runnerWith({ sandbox, envAllow: ["KEEP_THIS_KEY"] }, env).run(
      request("pwd; env", { cwd: "pkg" }),
    );
    const lines = result.tail.split("\n");
    expect(lines[0]).toBe(join(project, "pkg"));
    expect(result.cwd).toBe(join(project, "pkg"));
    expect(lines).toContain("HOME=/home/someone");
    expect(lines).toContain("KEEP_THIS_KEY=kept");
    for (const secret of ["FOO_TOKEN", "OPENAI_API_KEY", "GEMINI_API_KEY", "DATABASE_URL"]) {
      expect(result.tail).not.toContain(`${secret}=`);
    }
  });

  it("refuses a folder outside the project root and its configured roots", async () => {
    const outside = join(base, `outside-${sandbox}`);
    mkdirSync(outside, { recursive: true });
    const result = await runner().run(request("touch ran", { cwd: outside }));
    expect(result.status).toBe("denied");
    expect(result.cwd).toBeNull();
    expect(result.problem).toContain("outside the project root");
    expect(existsSync(join(outside, "ran"))).toBe(false);
    const allowed = await runnerWith({ sandbox, roots: [outside] }).run(
      request("touch ran", { cwd: outside }),
    );
    expect(allowed.status).toBe("ok");
    expect(existsSync(join(outside, "ran"))).toBe(true);
  });

  it("refuses a command on the deny list without running it", async () => {
    const result = await runner().run(request(`rm -rf / ; touch ${join(project, "denied")}`));
    expect(result).toMatchObject({ status: "denied", exitCode: null });
    expect(result.problem).toBe(
      "refused by deny rule 'recursive delete of / or ~' (commands.deny in the config)",
    );
    expect(existsSync(join(project, "denied"))).toBe(false);
  });

  it("times out and kills the whole group, grandchildren included", async () => {
    const sleeper = uniqueSleep();
    const started = Date.now();
    const result = await runner().run(request(`${sleeper} & ${sleeper}`, { timeoutMs: 300 }));
    expect(result).toMatchObject({ status: "timeout", exitCode: null });
    expect(result.problem).toMatch(/^timed out after 0\.3 s; process group killed/);
    expect(Date.now() - started).toBeLessThan(1_800);
    expect(await waitUntilNoneWith(sleeper)).toBe(true);
  });

  it("SIGKILLs a group that ignores SIGTERM after the grace period", async () => {
    const sleeper = uniqueSleep();
    const command = `trap '' TERM; sh -c "trap '' TERM; ${sleeper}" & ${sleeper}`;
    const result = await runnerWith({ sandbox, killGraceMs: 300 }).run(
      request(command, { timeoutMs: 200 }),
    );
    expect(result.status).toBe("timeout");
    expect(await waitUntilNoneWith(sleeper)).toBe(true);
  });

  it("is cancelled by its abort signal, group and all", async () => {
    const sleeper = uniqueSleep();
    const controller = new AbortController();
    const running = runner().run(request(`${sleeper} & ${sleeper}`, { signal: controller.signal }));
    await waitForProcessWith(sleeper);
    controller.abort();
    expect((await running).status).toBe("cancelled");
    expect(await waitUntilNoneWith(sleeper)).toBe(true);
  });

  it("does not start when already aborted", async () => {
    const marker = join(project, `never-${sandbox}`);
    const result = await runner().run(request(`touch ${marker}`, { signal: AbortSignal.abort() }));
    expect(result).toMatchObject({ status: "cancelled", exitCode: null });
    expect(existsSync(marker)).toBe(false);
  });

  it("leaves nothing running when the command ends, setsid or not", async () => {
    const sleeper = uniqueSleep();
    // The pause lets both start (and setsid leave the group) before the shell ends.
    const result = await runner().run(request(`${sleeper} & setsid ${sleeper} & sleep 0.3`));
    expect(result.status).toBe("ok");
    // The kernel kills the rest of the PID namespace as its init ends.
    if (sandbox === "auto") expect(await waitUntilNoneWith(sleeper, 500)).toBe(true);
    else {
      // Without a sandbox the group is stopped after the result; `setsid` escapes it.
      const deadline = Date.now() + 2_000;
      while (processesWith(sleeper).length > 1 && Date.now() < deadline) await sleep(20);
      expect(processesWith(sleeper)).toHaveLength(1);
    }
    for (const pid of processesWith(sleeper)) process.kill(pid, "SIGKILL");
  });

  it("on shutdown SIGKILLs every running group at once and starts nothing more", async () => {
    const sleeper = uniqueSleep();
    const shared = runner();
    const running = shared.run(request(`${sleeper} & ${sleeper}`));
    await waitForProcessWith(sleeper);
    expect(shared.shutdown()).toBe(1);
    expect((await running).status).toBe("cancelled");
    expect(await waitUntilNoneWith(sleeper)).toBe(true);
    const later = await shared.run(request(`touch ${join(project, "after-shutdown")}`));
    expect(later.status).toBe("cancelled");
    expect(existsSync(join(project, "after-shutdown"))).toBe(false);
  });

  it("streams 200 MB to the log without holding it in memory", async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const result = await runner().run(
      request("head -c 200000000 /dev/zero | tr '\\0' x", { timeoutMs: 60_000 }),
    );
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(result).toMatchObject({ status: "ok", logBytes: 200_000_000 });
    expect(result.tail).toBe("x".repeat(16 * 1024));
    expect(peak - before).toBeLessThan(50 * 1024 * 1024);
  });
});

describe("CommandRunner in the sandbox", async () => {
  const available = (await probeSandbox()).available;
  // Where bwrap cannot run, the sandbox tests above ran unsandboxed; these say so rather than pass.
  it("has bubblewrap on this machine", () => {
    expect(available).toBe(true);
  });

  it("cannot write outside its root, where the same command without a sandbox can", async () => {
    const elsewhere = join(base, "elsewhere");
    mkdirSync(elsewhere, { recursive: true });
    const target = join(elsewhere, "written");
    const command = `echo inside > inside.txt; echo x > ${target}`;
    const result = await runnerWith().run(request(command));
    expect(result.status).toBe("failed");
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(join(project, "inside.txt"), "utf8")).toBe("inside\n");
    expect((await runnerWith({ sandbox: "off" }).run(request(command))).status).toBe("ok");
    expect(existsSync(target)).toBe(true);
  });

  it("writes only into `root` when one is given", async () => {
    const root = join(base, "worktree");
    mkdirSync(join(root, "app"), { recursive: true });
    const result = await runnerWith().run(
      request(`touch here; touch ${join(project, "from-worktree")}`, {
        root,
        cwd: join(root, "app"),
      }),
    );
    expect(result.status).toBe("failed");
    expect(existsSync(join(root, "app", "here"))).toBe(true);
    expect(existsSync(join(project, "from-worktree"))).toBe(false);
  });

  it("cannot read the server's environment through /proc, where without a sandbox it can", async () => {
    // This test process plays the server; vitest started it with VITEST in its environment,
    // which commands do not get (their environment is only PATH here).
    const command = `cat /proc/$PPID/environ /proc/${process.pid}/environ 2>/dev/null | tr '\\0' '\\n' | grep -c '^VITEST='`;
    const sandboxed = await runnerWith().run(request(`${command}; ls /proc | grep -c '^[0-9]'`));
    const [leaked, visible] = sandboxed.tail.trim().split("\n");
    expect(leaked).toBe("0");
    // bwrap's init, the shell and what it started: no process of the server's.
    expect(Number(visible)).toBeLessThanOrEqual(5);
    const open = await runnerWith({ sandbox: "off" }).run(request(command));
    expect(open.tail.trim()).not.toBe("0");
  });

  it("has a private /tmp and no network when commands.network is false", async () => {
    writeFileSync(join(tmpdir(), `squad-runner-host-${process.pid}`), "host");
    const result = await runnerWith({ network: false }).run(
      request("ls /tmp | grep -c squad-runner-host; tail -n +3 /proc/net/dev | cut -d: -f1"),
    );
    rmSync(join(tmpdir(), `squad-runner-host-${process.pid}`));
    const [hostFiles, ...links] = result.tail.trim().split("\n");
    expect(hostFiles).toBe("0");
    // Only the loopback of a network namespace of its own.
    expect(links.map((link) => link.trim())).toEqual(["lo"]);
  });

  it('runs sandboxed when commands.sandbox is "required" and bwrap works', async () => {
    const result = await runnerWith({ sandbox: "required" }).run(request("echo sandboxed"));
    expect(result).toMatchObject({ status: "ok", sandboxed: true });
  });
});
