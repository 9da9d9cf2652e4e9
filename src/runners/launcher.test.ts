import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isRunning, waitUntilGone } from "../../test/support/processes.js";
import { type CommandRun, killRunningCommands, runCommand } from "./command.js";
import { closeLaunchers, findPerl, PerlLauncher } from "./launcher.js";

let dir: string;
let count = 0;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "squad-launcher-")));
});
afterAll(() => {
  closeLaunchers();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  killRunningCommands();
});

function perlRun(command: string, overrides: Partial<CommandRun> = {}): CommandRun {
  count += 1;
  return {
    command,
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    timeoutMs: 20_000,
    killGraceMs: 1_000,
    logFile: join(dir, "runs", `task-${count}.log`),
    launcher: "perl",
    ...overrides,
  };
}

function commandName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
}

async function firstLines(file: string, lines: number): Promise<string[]> {
  for (let waited = 0; waited < 5_000; waited += 20) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      // not created yet
    }
    const whole = text.split("\n").slice(0, -1);
    if (whole.length >= lines) return whole.slice(0, lines);
    await sleep(20);
  }
  throw new Error(`${file} did not get ${lines} lines`);
}

describe("the perl launcher", () => {
  it("is found on this machine", () => {
    expect(findPerl()).not.toBeNull();
  });

  it("starts every command from one long-lived perl process, not from the server", async () => {
    const first = await runCommand(perlRun("echo $PPID"));
    const second = await runCommand(perlRun("echo $PPID"));
    const parent = Number(first.tail.trim());
    expect(Number(second.tail.trim())).toBe(parent);
    expect(parent).not.toBe(process.pid);
    expect(commandName(parent)).toBe("perl");
  });

  it("answers for every one of many short commands started side by side", async () => {
    // Children exiting while perl is still recording an earlier one once lost their status.
    const runs = Array.from({ length: 400 }, (_, i) => perlRun(`exit ${i % 7}`));
    const results = await Promise.all(runs.map((run) => runCommand(run)));
    expect(results.map((result) => result.exitCode)).toEqual(runs.map((_, i) => i % 7));
  }, 30_000);

  it("reports the right exit status of each of many short commands run a few at a time", async () => {
    // As a squad runs them: the next starts when one ends, so perl often waits in select and
    // reaps there while its SIGCHLD handler reaps too; each once read the other's $? (-1).
    const codes: (number | null)[] = [];
    const signals: (string | null)[] = [];
    let next = 0;
    const slot = async () => {
      while (next < 1_000) {
        const index = next++;
        const result = await runCommand(perlRun(`exit ${index % 5}`));
        codes[index] = result.exitCode;
        signals[index] = result.signal;
      }
    };
    await Promise.all([slot(), slot(), slot(), slot()]);
    expect(signals.filter((signal) => signal !== null)).toEqual([]);
    expect(codes).toEqual(Array.from({ length: 1_000 }, (_, i) => i % 5));
  }, 60_000);

  it("gives commands the environment perl itself never sees", async () => {
    // PERL5OPT would make perl load a module that does not exist, were it passed to perl.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", PERL5OPT: "-MNo::Such::Module" };
    const result = await runCommand(perlRun('echo "$PERL5OPT"', { env }));
    expect(result).toMatchObject({ exitCode: 0, spawnError: null, tail: "-MNo::Such::Module\n" });
    expect(commandName(Number((await runCommand(perlRun("echo $PPID", { env }))).tail))).toBe(
      "perl",
    );
  });

  it("refuses a command holding a NUL character and goes on serving the next one", async () => {
    const refused = await runCommand(perlRun("echo a\u0000echo b"));
    expect(refused.spawnError).toBe("could not start: the command contains a NUL character");
    const next = await runCommand(perlRun("echo fine"));
    expect(next).toMatchObject({ exitCode: 0, tail: "fine\n" });
  });

  it("says which folder it could not run in, with the system's reason", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const notADir = await runCommand(perlRun("true", { cwd: file }));
    expect(notADir.spawnError).toBe(
      `could not start: cannot run in ${file}: ENOTDIR: not a directory`,
    );
    const log = await runCommand(perlRun("true", { logFile: join(file, "task.log") }));
    expect(log.spawnError).toMatch(/^could not start: cannot create the log .*a-file\/task\.log/);
  });

  it("reports commands it was running when it died, kills their groups, and is replaced", async () => {
    const pidFile = join(dir, "orphan.pid");
    const run = perlRun(`echo $PPID; sleep 30 & echo $! > ${pidFile}; echo started; sleep 30`);
    const running = runCommand(run);
    const [perl] = await firstLines(run.logFile, 2);
    const grandchild = Number((await firstLines(pidFile, 1))[0]);
    expect(isRunning(grandchild)).toBe(true);
    process.kill(Number(perl), "SIGKILL");
    const result = await running;
    expect(result.spawnError).toMatch(
      /^lost the command: the command launcher \(perl\) exited \(SIGKILL\); its process group was killed$/,
    );
    expect(await waitUntilGone(grandchild)).toBe(true);
    const next = await runCommand(perlRun("echo $PPID"));
    expect(next.exitCode).toBe(0);
    expect(Number(next.tail)).not.toBe(Number(perl));
    expect(commandName(Number(next.tail))).toBe("perl");
  });

  it("kills the group of every command it started when asked, before the server knows of them", async () => {
    const perl = findPerl();
    if (perl === null) throw new Error("no perl");
    const launcher = await PerlLauncher.start(perl, { PATH: process.env.PATH ?? "/usr/bin:/bin" });
    if (launcher === null) throw new Error("perl did not start");
    try {
      const pidFile = join(dir, "killall.pid");
      const answer = await launcher.launch({
        command: `sleep 30 & echo $! > ${pidFile}; sleep 30`,
        cwd: dir,
        logFile: join(dir, "killall.log"),
      });
      if (!("shell" in answer)) throw new Error(answer.error);
      const grandchild = Number((await firstLines(pidFile, 1))[0]);
      launcher.killAll();
      expect(await answer.shell.exit).toMatchObject({
        exitCode: null,
        signal: "SIGKILL",
        lost: null,
      });
      expect(await waitUntilGone(grandchild)).toBe(true);
    } finally {
      launcher.close();
    }
  });

  it("says as a command ends whether anything of its group is left, and how much it wrote", async () => {
    const perl = findPerl();
    if (perl === null) throw new Error("no perl");
    const launcher = await PerlLauncher.start(perl, { PATH: process.env.PATH ?? "/usr/bin:/bin" });
    if (launcher === null) throw new Error("perl did not start");
    const pidFile = join(dir, "left.pid");
    try {
      const alone = await launcher.launch({
        command: "printf 'twelve bytes' && exit 3",
        cwd: dir,
        logFile: join(dir, "alone.log"),
      });
      if (!("shell" in alone)) throw new Error(alone.error);
      expect(await alone.shell.exit).toEqual({
        exitCode: 3,
        signal: null,
        lost: null,
        groupGone: true,
        logBytes: 12,
      });
      const leaving = await launcher.launch({
        command: `sleep 30 & echo $! > ${pidFile}`,
        cwd: dir,
        logFile: join(dir, "leaving.log"),
      });
      if (!("shell" in leaving)) throw new Error(leaving.error);
      expect(await leaving.shell.exit).toMatchObject({ exitCode: 0, groupGone: false });
    } finally {
      const left = Number(readFileSync(pidFile, "utf8"));
      if (left > 0) process.kill(left, "SIGKILL");
      launcher.close();
    }
  });

  it("is not used where perl cannot start, and the caller falls back", async () => {
    expect(await PerlLauncher.start(join(dir, "no-such-perl"), {})).toBeNull();
    const broken = join(dir, "broken-perl");
    writeFileSync(broken, "#!/bin/sh\necho 'not perl' >&2\nexit 3\n");
    chmodSync(broken, 0o755);
    expect(await PerlLauncher.start(broken, {})).toBeNull();
  });
});
