import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitUntilGone } from "../../test/support/processes.js";
import {
  type CommandLauncher,
  type CommandRun,
  killRunningCommands,
  readTail,
  runCommand,
} from "./command.js";
import { childEnvironment } from "./command-policy.js";

let dir: string;
let logCount = 0;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "squad-command-")));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A failing test must not leave process groups behind for the next one.
afterEach(() => {
  killRunningCommands();
});

function baseRun(command: string, overrides: Partial<CommandRun> = {}): CommandRun {
  logCount += 1;
  return {
    command,
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    timeoutMs: 20_000,
    killGraceMs: 2_000,
    logFile: join(dir, "runs", `run-${logCount}`, "task.log"),
    ...overrides,
  };
}

async function readPid(file: string, withinMs = 5_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const text = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
    if (/^\d+$/.test(text)) return Number(text);
    await sleep(20);
  }
  throw new Error(`no pid in ${file}`);
}

const LAUNCHERS: CommandLauncher[] = ["perl", "node"];

describe.each(LAUNCHERS)("runCommand, started by %s", (launcher) => {
  const commandRun = (command: string, overrides: Partial<CommandRun> = {}) =>
    baseRun(command, { launcher, ...overrides });

  it("runs a command that succeeds, with stdout and stderr in the log in order", async () => {
    const run = commandRun("echo out; echo err >&2; echo again");
    const result = await runCommand(run);
    expect(result).toMatchObject({
      exitCode: 0,
      signal: null,
      timedOut: false,
      cancelled: false,
      spawnError: null,
      tail: "out\nerr\nagain\n",
      bytes: 14,
    });
    expect(result.pid).toBeGreaterThan(0);
    expect(readFileSync(run.logFile, "utf8")).toBe("out\nerr\nagain\n");
  });

  it("with tailBytes 0, gives the size of the log and none of its text", async () => {
    const result = await runCommand(commandRun("printf 'seventeen bytes..'", { tailBytes: 0 }));
    expect(result).toMatchObject({ exitCode: 0, bytes: 17, tail: "" });
  });

  it("runs the shell as the leader of its own session and process group", async () => {
    const result = await runCommand(commandRun("echo $$; cut -d' ' -f5,6 /proc/$$/stat"));
    const [pid, groups] = result.tail.trim().split("\n");
    expect(groups).toBe(`${pid} ${pid}`);
    expect(Number(pid)).toBe(result.pid);
  });

  it("reports the exit code of a failing command", async () => {
    const result = await runCommand(commandRun("echo failing >&2; exit 3"));
    expect(result).toMatchObject({
      exitCode: 3,
      signal: null,
      tail: "failing\n",
      spawnError: null,
    });
  });

  it("reports the signal that killed the shell", async () => {
    const result = await runCommand(commandRun("kill -KILL $$"));
    expect(result).toMatchObject({ exitCode: null, signal: "SIGKILL", timedOut: false });
  });

  it("runs in the given folder with exactly the given environment", async () => {
    const env = childEnvironment(
      {
        PATH: process.env.PATH,
        HOME: "/home/someone",
        FOO_TOKEN: "t",
        MY_SECRET: "s",
        OPENAI_API_KEY: "k",
        ANTHROPIC_BASE_URL: "https://example.invalid",
        DB_PASSWORD_FILE: "/run/pw",
        GEMINI_API_KEY: "g",
        KEEP_THIS_KEY: "kept",
      },
      ["KEEP_THIS_KEY"],
    );
    const result = await runCommand(commandRun("pwd; env", { env }));
    const lines = result.tail.split("\n");
    expect(lines[0]).toBe(dir);
    // Nothing else: only what the shell itself sets (PWD, and SHLVL/_ where it does) is added.
    const names = lines
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split("=", 1)[0] ?? "");
    const added = names.filter((name) => !(name in env));
    expect(added.filter((name) => !["PWD", "SHLVL", "_", "OLDPWD"].includes(name))).toEqual([]);
    expect(lines).toContain(`PATH=${process.env.PATH}`);
    expect(lines).toContain("HOME=/home/someone");
    expect(lines).toContain("KEEP_THIS_KEY=kept");
    for (const secret of [
      "FOO_TOKEN",
      "MY_SECRET",
      "OPENAI_API_KEY",
      "ANTHROPIC_BASE_URL",
      "DB_PASSWORD_FILE",
      "GEMINI_API_KEY",
    ]) {
      expect(result.tail).not.toContain(`${secret}=`);
    }
  });

  it("returns only the tail, cut at a line start", async () => {
    const result = await runCommand(
      commandRun("i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done", {
        tailBytes: 100,
      }),
    );
    expect(result.bytes).toBeGreaterThan(10_000);
    expect(result.tail.length).toBeLessThanOrEqual(100);
    expect(result.tail.startsWith("line-")).toBe(true);
    expect(result.tail.endsWith("line-1999\n")).toBe(true);
  });

  it("reports a failure to start instead of throwing", async () => {
    const result = await runCommand(commandRun("echo hi", { cwd: join(dir, "vanished") }));
    expect(result.exitCode).toBeNull();
    expect(result.pid).toBeNull();
    expect(result.spawnError).toContain("vanished");
    expect(result.spawnError).toContain("ENOENT");
  });

  it("times out: the whole group gets SIGTERM, grandchildren included", async () => {
    const pidFile = join(dir, `${launcher}-timeout-child.pid`);
    const started = Date.now();
    const result = await runCommand(
      commandRun(`sleep 30 & echo $! > ${pidFile}; sleep 30`, { timeoutMs: 300 }),
    );
    expect(result).toMatchObject({ timedOut: true, cancelled: false, exitCode: null });
    expect(result.signal).toBe("SIGTERM");
    // The group died on SIGTERM, so the grace period was not waited out.
    expect(Date.now() - started).toBeLessThan(1_800);
    expect(await waitUntilGone(await readPid(pidFile))).toBe(true);
  });

  it("SIGKILLs a group that ignores SIGTERM after the grace period", async () => {
    const pidFile = join(dir, `${launcher}-stubborn-child.pid`);
    const command = `trap '' TERM; sh -c "trap '' TERM; sleep 30" & echo $! > ${pidFile}; sleep 30`;
    const started = Date.now();
    const result = await runCommand(commandRun(command, { timeoutMs: 200, killGraceMs: 400 }));
    expect(result).toMatchObject({ timedOut: true, signal: "SIGKILL", exitCode: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(await waitUntilGone(await readPid(pidFile))).toBe(true);
  });

  it("is cancelled by its abort signal, group and all", async () => {
    const pidFile = join(dir, `${launcher}-abort-child.pid`);
    const controller = new AbortController();
    const running = runCommand(
      commandRun(`sleep 30 & echo $! > ${pidFile}; sleep 30`, { signal: controller.signal }),
    );
    const child = await readPid(pidFile);
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ cancelled: true, timedOut: false, signal: "SIGTERM" });
    expect(await waitUntilGone(child)).toBe(true);
  });

  it("does not start when already aborted", async () => {
    const run = commandRun(`touch ${join(dir, `${launcher}-never`)}`, {
      signal: AbortSignal.abort(),
    });
    const result = await runCommand(run);
    expect(result).toMatchObject({ cancelled: true, pid: null, exitCode: null, bytes: 0 });
    expect(existsSync(join(dir, `${launcher}-never`))).toBe(false);
  });

  it("stops processes a finished shell left behind", async () => {
    const pidFile = join(dir, `${launcher}-leftover.pid`);
    const result = await runCommand(commandRun(`sleep 30 & echo $! > ${pidFile}`));
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(await waitUntilGone(await readPid(pidFile))).toBe(true);
  });

  it("killRunningCommands SIGKILLs every running group", async () => {
    const pidFile = join(dir, `${launcher}-shutdown-child.pid`);
    const running = runCommand(commandRun(`sleep 30 & echo $! > ${pidFile}; sleep 30`));
    const child = await readPid(pidFile);
    expect(killRunningCommands()).toBe(1);
    const result = await running;
    expect(result).toMatchObject({ signal: "SIGKILL", cancelled: true });
    expect(await waitUntilGone(child)).toBe(true);
    expect(killRunningCommands()).toBe(0);
  });

  it("kills a command that was still starting when killRunningCommands ran", async () => {
    const started = Date.now();
    const running = runCommand(commandRun("sleep 30"));
    // runCommand is now waiting for its shell to start: not yet in the running set.
    killRunningCommands();
    const result = await running;
    expect(result).toMatchObject({ cancelled: true, signal: "SIGKILL", exitCode: null });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("streams 200 MB to the log without holding it in memory", async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const result = await runCommand(
      commandRun("head -c 200000000 /dev/zero | tr '\\0' x", { timeoutMs: 60_000 }),
    );
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(result).toMatchObject({ exitCode: 0, bytes: 200_000_000 });
    expect(result.tail).toBe("x".repeat(16 * 1024));
    expect(peak - before).toBeLessThan(50 * 1024 * 1024);
  });
});

describe("readTail", () => {
  it("keeps whole characters when no line break is near the end", async () => {
    const run = baseRun("printf 'ééééé'");
    await runCommand(run);
    expect(await readTail(run.logFile, 5)).toEqual({ bytes: 10, tail: "éé" });
  });
});
