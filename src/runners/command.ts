import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type Result } from "execa";
import { errorMessage } from "../errors.js";
import { killLaunchedCommands, launcherFor, type ShellExit } from "./launcher.js";

export interface CommandRun {
  /** A shell command line, run by /bin/sh -c. */
  command: string;
  /** Already resolved and checked (resolveCommandCwd). */
  cwd: string;
  /** Already filtered (childEnvironment); nothing else is inherited. */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL to the process group. */
  killGraceMs: number;
  /** Receives stdout and stderr, interleaved; truncated first. */
  logFile: string;
  signal?: AbortSignal;
  /** How much of the end of the log comes back as `tail`; default 16 KB. */
  tailBytes?: number;
  /**
   * "perl" (default): started by a long-lived perl process, falling back to Node's spawn where
   * perl cannot run; "node": always Node's spawn (execa). See launcher.ts for why.
   */
  launcher?: CommandLauncher;
}

export type CommandLauncher = "perl" | "node";

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** Output bytes written to the log. */
  bytes: number;
  /** The last `tailBytes` of the log, cut at a line start when possible. */
  tail: string;
  pid: number | null;
  /** Why the command could not be run, or how we lost it; a whole sentence for the host. */
  spawnError: string | null;
}

interface StartedShell {
  pid: number;
  exit: Promise<ShellExit>;
}

const DEFAULT_TAIL_BYTES = 16 * 1024;
const GROUP_POLL_MS = 25;

/** A command's process group while anything in it may still run. */
interface RunningGroup {
  pid: number;
  /** Set when the server killed it at shutdown, so the result says `cancelled`. */
  killedAtShutdown: boolean;
}

const running = new Set<RunningGroup>();
/** Counts killRunningCommands() calls, so a command that starts during one is killed too. */
let shutdowns = 0;
/** Commands handed to a launcher whose start has not been confirmed yet. */
let starting = 0;

/**
 * Runs a shell command in its own process group with its output going straight to `logFile`
 * (the child gets the file's descriptor, so no output passes through this process). Never
 * throws for a command that fails: failures to start come back as `spawnError`.
 */
export async function runCommand(run: CommandRun): Promise<CommandResult> {
  const started = performance.now();
  const tailBytes = run.tailBytes ?? DEFAULT_TAIL_BYTES;
  const notStarted = (fields: Partial<CommandResult>) =>
    finish(run.logFile, tailBytes, { ...emptyResult(), ...fields }, started);

  try {
    // One syscall when the folder exists (every task of a run but the first); the promise
    // version costs several times that in the event loop.
    mkdirSync(dirname(run.logFile), { recursive: true });
    if (run.signal?.aborted) {
      await writeFile(run.logFile, "");
      return await notStarted({ cancelled: true });
    }
  } catch (error) {
    return notStarted({
      spawnError: `could not start: cannot create the log ${run.logFile}: ${errorMessage(error)}`,
    });
  }

  const shutdownsBefore = shutdowns;
  starting += 1;
  let shell: StartedShell | { error: string };
  try {
    shell = await startShell(run);
  } finally {
    starting -= 1;
  }
  if ("error" in shell) return notStarted({ spawnError: `could not start: ${shell.error}` });
  return superviseGroup(run, shell, started, tailBytes, shutdownsBefore !== shutdowns);
}

/**
 * SIGKILLs every process group still running, synchronously (server shutdown), and every
 * command still starting as soon as it has started. Returns how many commands that stops.
 */
export function killRunningCommands(): number {
  // The shell of a command still starting may already run (perl forked it, its `S` line is
  // on the way); it is killed the moment runCommand learns its pid.
  let killed = starting;
  shutdowns += 1;
  killLaunchedCommands();
  for (const group of running) {
    group.killedAtShutdown = true;
    signalGroup(group.pid, "SIGKILL");
    running.delete(group);
    killed += 1;
  }
  return killed;
}

async function startShell(run: CommandRun): Promise<StartedShell | { error: string }> {
  if ((run.launcher ?? "perl") === "perl") {
    const launcher = await launcherFor(run.env);
    if (launcher) {
      const answer = await launcher.launch(run);
      return "shell" in answer ? answer.shell : answer;
    }
  }
  return startWithNode(run);
}

async function startWithNode(run: CommandRun): Promise<StartedShell | { error: string }> {
  let subprocess: ReturnType<typeof spawnShell>;
  try {
    subprocess = spawnShell(run);
  } catch (error) {
    return { error: errorMessage(error) };
  }
  const pid = subprocess.pid;
  if (pid === undefined) return { error: spawnFailure(await subprocess) };
  const exit = subprocess.then(
    (result): ShellExit => ({
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      lost: null,
    }),
  );
  return { pid, exit };
}

function spawnShell(run: CommandRun) {
  // One open file for both streams: they share its offset, so their interleaving is kept.
  // execa's types list only descriptors 3–9; at run time it hands any number to spawn.
  const fd = openSync(run.logFile, "w") as 3;
  try {
    return execa("/bin/sh", ["-c", run.command], {
      cwd: run.cwd,
      env: run.env,
      extendEnv: false,
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
      // A new session and process group, so the whole tree can be signalled as one.
      detached: true,
      cleanup: false,
      reject: false,
    });
  } finally {
    // The child holds its own copy from spawn on; keeping ours would leak a descriptor.
    closeSync(fd);
  }
}

async function superviseGroup(
  run: CommandRun,
  shell: StartedShell,
  started: number,
  tailBytes: number,
  shutDownMeanwhile: boolean,
): Promise<CommandResult> {
  const pid = shell.pid;
  const group: RunningGroup = { pid, killedAtShutdown: false };
  running.add(group);
  if (shutDownMeanwhile) {
    // killRunningCommands() ran while this shell was starting: it dies like the rest did.
    group.killedAtShutdown = true;
    signalGroup(pid, "SIGKILL");
    running.delete(group);
  }
  let timedOut = false;
  let cancelled = false;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= terminateGroup(group, run.killGraceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, run.timeoutMs);
  const onAbort = () => {
    cancelled = true;
    stop();
  };
  run.signal?.addEventListener("abort", onAbort, { once: true });
  // Aborted while the shell was starting: the listener above will never fire.
  if (run.signal?.aborted) onAbort();

  let exit: ShellExit;
  try {
    exit = await shell.exit;
  } finally {
    clearTimeout(timer);
    run.signal?.removeEventListener("abort", onAbort);
  }
  if (exit.lost !== null) {
    // How the shell ended is unknown; make sure nothing of it runs on.
    signalGroup(pid, "SIGKILL");
    running.delete(group);
    return finish(
      run.logFile,
      tailBytes,
      {
        ...emptyResult(),
        pid,
        spawnError: `lost the command: ${exit.lost}; its process group was killed`,
      },
      started,
    );
  }
  if (stopping) await stopping;
  else if (running.has(group) && !exit.groupGone && groupAlive(pid)) {
    // The shell is done but left processes behind (`cmd &`, a stray test worker): they would
    // outlive the task and keep writing to its log. Stop them without holding up the result.
    void terminateGroup(group, run.killGraceMs);
  } else running.delete(group);

  return finish(
    run.logFile,
    tailBytes,
    {
      ...emptyResult(),
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut,
      cancelled: cancelled || group.killedAtShutdown,
      pid,
    },
    started,
    // What perl measured holds only while nothing else can still write to the log.
    exit.groupGone && !stopping ? exit.logBytes : undefined,
  );
}

/** SIGTERM to the group, then SIGKILL after `graceMs` if anything in it still runs. */
async function terminateGroup(group: RunningGroup, graceMs: number): Promise<void> {
  try {
    signalGroup(group.pid, "SIGTERM");
    const deadline = performance.now() + graceMs;
    while (performance.now() < deadline) {
      await sleep(GROUP_POLL_MS);
      if (!running.has(group) || !groupAlive(group.pid)) return;
    }
    if (running.has(group)) signalGroup(group.pid, "SIGKILL");
  } finally {
    running.delete(group);
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * True while a process of the group runs. kill(-pgid, 0) alone also counts zombies, which
 * linger where the reaper of orphans does not reap (some containers), so on Linux the members
 * are looked up in /proc and zombies ignored.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  return entries.some((entry) => /^\d+$/.test(entry) && isLiveMember(entry, pgid));
}

function isLiveMember(pid: string, pgid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // Fields after the command name, which may itself hold spaces and parentheses:
  // state, ppid, pgrp, ...
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] !== "Z" && Number(fields[2]) === pgid;
}

function spawnFailure(result: Result): string {
  const message = result.originalMessage || result.shortMessage || "the shell did not start";
  return message.split("\n").join("; ");
}

function emptyResult(): CommandResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    durationMs: 0,
    bytes: 0,
    tail: "",
    pid: null,
    spawnError: null,
  };
}

async function finish(
  logFile: string,
  tailBytes: number,
  result: CommandResult,
  started: number,
  knownBytes?: number,
): Promise<CommandResult> {
  const durationMs = Math.round(performance.now() - started);
  const { bytes, tail } =
    tailBytes > 0
      ? await readTail(logFile, tailBytes)
      : knownBytes !== undefined
        ? { bytes: knownBytes, tail: "" }
        : logSize(logFile);
  return { ...result, durationMs, bytes, tail };
}

/** Only the size: the caller reads the log itself. */
function logSize(file: string): { bytes: number; tail: string } {
  try {
    return { bytes: statSync(file).size, tail: "" };
  } catch {
    return { bytes: 0, tail: "" };
  }
}

/** The file's size and its last `tailBytes`, reading nothing before them. */
export async function readTail(
  file: string,
  tailBytes: number,
): Promise<{ bytes: number; tail: string }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch {
    return { bytes: 0, tail: "" };
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, Math.max(0, tailBytes));
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, size - length);
    const chunk = buffer.subarray(0, bytesRead);
    return { bytes: size, tail: decodeTail(chunk, length < size) };
  } finally {
    await handle.close();
  }
}

/** A tail that starts mid-file begins after its first newline, or at least on a whole character. */
function decodeTail(chunk: Buffer, cut: boolean): string {
  if (!cut) return chunk.toString("utf8");
  const newline = chunk.indexOf(0x0a);
  if (newline !== -1 && newline < chunk.length - 1)
    return chunk.subarray(newline + 1).toString("utf8");
  let start = 0;
  // UTF-8 continuation bytes are 10xxxxxx: skip them to the next character's first byte.
  while (start < chunk.length && ((chunk[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return chunk.subarray(start).toString("utf8");
}
