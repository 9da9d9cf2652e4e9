import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { SquadConfig } from "../config.js";
import { errorMessage, UserInputError } from "../errors.js";
import { isInside } from "../paths.js";
import { seconds } from "../text/duration.js";
import { allowedRoots, childEnvironment, resolveCommandCwd } from "./command-policy.js";
import { denialMessage, deniedBy } from "./deny.js";
import { readLogSample } from "./log-reader.js";
import { groupAlive, signalGroup, startTicks } from "./process-group.js";
import { probeSandbox, sandboxedShell } from "./sandbox.js";

export interface CommandRequest {
  /** A shell command line, run by /bin/sh -c. */
  command: string;
  /** Relative to the project root, or absolute; default the project root (or `root`). */
  cwd?: string | undefined;
  /**
   * Confines the command to this folder instead of the project and configured roots (an
   * implement_spec worktree, an eval answer's folder): `cwd` must be inside it, and it is the
   * only folder the sandbox lets the command write to.
   */
  root?: string | undefined;
  timeoutMs: number;
  /** Receives stdout and stderr, interleaved; truncated first. */
  logFile: string;
  signal?: AbortSignal | undefined;
  /** How much of the end of the log comes back as `tail`; default 0 (callers read the log). */
  tailBytes?: number | undefined;
}

export type CommandStatus = "ok" | "failed" | "timeout" | "cancelled" | "denied" | "error";

export interface CommandResult {
  status: CommandStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Output bytes written to the log. */
  logBytes: number;
  /** The last `tailBytes` of the log, cut at a line start when possible. */
  tail: string;
  /** Why it was refused, could not start, or was stopped: a sentence for the host. */
  problem: string | null;
  /** Whether it ran in a sandbox (false also when it did not run at all). */
  sandboxed: boolean;
  /** The folder it ran in, absolute; null when it did not start. */
  cwd: string | null;
}

/** Where the runner records the process groups it starts, so a restart can kill them. */
export interface GroupLedger {
  started(pgid: number, startTicks: number | null): void;
  ended(pgid: number): void;
}

export interface CommandRunnerOptions {
  commands: SquadConfig["commands"];
  projectRoot: string;
  userHome: string;
  /** The server's environment; commands get it without its secrets. */
  env: NodeJS.ProcessEnv;
  ledger?: GroupLedger;
}

interface RunningGroup {
  pgid: number;
  exited: Promise<void>;
}

const GROUP_POLL_MS = 25;

/**
 * Runs every shell command squad-mcp starts (squad tasks, validate_output checks,
 * implement_spec verifications, eval answers) under one policy: allowed folders, the deny
 * list, secrets stripped, a timeout, the whole process group killed, a sandbox where there is
 * one. Never throws for a command that fails: the result says how.
 */
export class CommandRunner {
  private readonly running = new Set<RunningGroup>();
  /** Commands waiting for their turn to be spawned (see nextTurn). */
  private readonly waiting: (() => void)[] = [];
  private stopped = false;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: CommandRunnerOptions) {
    this.env = childEnvironment(options.env, options.commands.envAllow);
  }

  async run(request: CommandRequest): Promise<CommandResult> {
    const started = performance.now();
    const refused = (status: CommandStatus, problem: string) =>
      this.finish(request, started, { ...NOT_RUN, status, problem });
    const rule = deniedBy(request.command, this.options.commands.deny);
    if (rule) return refused("denied", denialMessage(rule.rule));
    const place = this.place(request);
    if ("problem" in place) return refused(place.status, place.problem);
    const sandbox = await this.sandboxFor();
    if ("problem" in sandbox) return refused("error", sandbox.problem);
    try {
      // One syscall when the folder exists (every task of a run but the first).
      mkdirSync(dirname(request.logFile), { recursive: true });
    } catch (error) {
      return refused("error", `cannot create the log ${request.logFile}: ${errorMessage(error)}`);
    }
    await this.nextTurn();
    if (this.stopped || request.signal?.aborted) {
      return refused("cancelled", this.stopped ? "the server is shutting down" : "cancelled");
    }
    return this.spawnAndWait(request, place, sandbox.bwrap, started);
  }

  /**
   * Resolves in a turn of the event loop of its own. spawn() forks the server and holds the
   * event loop while it does (about 10 ms here); when several commands end at once, their
   * successors would otherwise all be spawned in one turn, and requests (tools/list, a
   * squad_status) would wait for all of them.
   */
  private nextTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length === 1) setImmediate(() => this.releaseOne());
    });
  }

  private releaseOne(): void {
    this.waiting.shift()?.();
    // Scheduled from inside the check phase: it runs in the next turn, after timers and I/O.
    if (this.waiting.length > 0) setImmediate(() => this.releaseOne());
  }

  /** Whether commands run sandboxed here, and if not why (for doctor and results). */
  sandboxState(): Promise<{ sandboxed: boolean; why: string }> {
    if (this.options.commands.sandbox === "off") {
      return Promise.resolve({ sandboxed: false, why: "commands.sandbox is off" });
    }
    return probeSandbox().then((probe) =>
      probe.available ? { sandboxed: true, why: "bwrap" } : { sandboxed: false, why: probe.why },
    );
  }

  /** Server shutdown: SIGKILLs every running group at once and refuses new commands. */
  shutdown(): number {
    this.stopped = true;
    const killed = this.running.size;
    // Forgotten now, while the database is still open: the server exits before they are reaped.
    for (const group of this.running) {
      signalGroup(group.pgid, "SIGKILL");
      this.forget(group);
    }
    return killed;
  }

  private place(
    request: CommandRequest,
  ): { cwd: string; writable: string[] } | { status: CommandStatus; problem: string } {
    const { projectRoot, userHome, commands } = this.options;
    try {
      if (request.root !== undefined) {
        const cwd = resolveCommandCwd(request.cwd, request.root, [], userHome);
        return { cwd, writable: [resolveCommandCwd(undefined, request.root, [], userHome)] };
      }
      const cwd = resolveCommandCwd(request.cwd, projectRoot, commands.roots, userHome);
      const roots = allowedRoots(projectRoot, commands.roots, userHome);
      // Nested roots are bound once, by the outer one.
      const writable = roots.filter(
        (root, index) =>
          !roots.some((other, at) => at !== index && isInside(other, root) && root !== other),
      );
      return { cwd, writable };
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      const missing = /does not exist|is not a folder/.test(error.message);
      return { status: missing ? "error" : "denied", problem: error.message };
    }
  }

  private async sandboxFor(): Promise<{ bwrap: string | null } | { problem: string }> {
    const mode = this.options.commands.sandbox;
    if (mode === "off") return { bwrap: null };
    const probe = await probeSandbox();
    if (probe.available) return { bwrap: probe.bwrap };
    if (mode === "required") {
      return {
        problem: `commands.sandbox is "required" and there is no sandbox: ${probe.why}`,
      };
    }
    return { bwrap: null };
  }

  private async spawnAndWait(
    request: CommandRequest,
    place: { cwd: string; writable: string[] },
    bwrap: string | null,
    started: number,
  ): Promise<CommandResult> {
    const sandboxed = bwrap !== null;
    const [file, args] = bwrap
      ? sandboxedShell(bwrap, request.command, {
          writable: place.writable,
          writableFiles: [request.logFile],
          network: this.options.commands.network,
        })
      : ["/bin/sh", ["-c", request.command]];
    let child: ChildProcess;
    // One open file for both streams: they share its offset, so their interleaving is kept.
    const fd = openSync(request.logFile, "w");
    try {
      child = spawn(file, args, {
        cwd: place.cwd,
        env: this.env,
        stdio: ["ignore", fd, fd],
        // Its own session and process group, so the whole tree is signalled as one.
        detached: true,
      });
    } catch (error) {
      return this.finish(request, started, { ...NOT_RUN, problem: startFailure(error) });
    } finally {
      // The child holds its own copy from spawn on.
      closeSync(fd);
    }
    const exit = exitOf(child);
    const pgid = child.pid;
    if (pgid === undefined) {
      const failure = await exit;
      return this.finish(request, started, { ...NOT_RUN, problem: failure.error ?? "no pid" });
    }
    const group: RunningGroup = { pgid, exited: exit.then(() => undefined) };
    this.running.add(group);
    this.options.ledger?.started(pgid, startTicks(pgid));
    const stop = this.stopOnTimeoutOrAbort(request, group);
    const ended = await exit;
    stop.dispose();
    if (stop.reason() === null && groupAlive(pgid)) {
      // The shell is done but left processes behind (`cmd &`): they would outlive the task
      // and keep writing to its log. Stopped without holding up the result.
      void this.terminate(group).finally(() => this.forget(group));
    } else if (stop.stopping) await stop.stopping.finally(() => this.forget(group));
    else this.forget(group);
    const reason = this.stopped ? "cancelled" : stop.reason();
    const status: CommandStatus =
      ended.error !== null ? "error" : (reason ?? (ended.exitCode === 0 ? "ok" : "failed"));
    return this.finish(request, started, {
      status,
      exitCode: ended.exitCode,
      signal: ended.signal,
      problem: ended.error ?? stopNote(status, request.timeoutMs, ended.signal),
      sandboxed,
      cwd: place.cwd,
    });
  }

  private stopOnTimeoutOrAbort(request: CommandRequest, group: RunningGroup) {
    let why: "timeout" | "cancelled" | null = null;
    const state = {
      stopping: null as Promise<void> | null,
      reason: () => why,
      dispose: () => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
      },
    };
    const stop = (reason: "timeout" | "cancelled") => {
      why ??= reason;
      state.stopping ??= this.terminate(group);
    };
    const timer = setTimeout(() => stop("timeout"), request.timeoutMs);
    const onAbort = () => stop("cancelled");
    request.signal?.addEventListener("abort", onAbort, { once: true });
    return state;
  }

  /** SIGTERM to the group, then SIGKILL after the grace period if anything in it still runs. */
  private async terminate(group: RunningGroup): Promise<void> {
    signalGroup(group.pgid, "SIGTERM");
    const deadline = performance.now() + this.options.commands.killGraceMs;
    while (performance.now() < deadline) {
      await sleep(GROUP_POLL_MS);
      if (!groupAlive(group.pgid)) return;
    }
    signalGroup(group.pgid, "SIGKILL");
    await group.exited;
  }

  private forget(group: RunningGroup): void {
    if (this.running.delete(group)) this.options.ledger?.ended(group.pgid);
  }

  private async finish(
    request: CommandRequest,
    started: number,
    result: Omit<CommandResult, "durationMs" | "logBytes" | "tail">,
  ): Promise<CommandResult> {
    const durationMs = Math.round(performance.now() - started);
    const tailBytes = request.tailBytes ?? 0;
    const { bytes, tail } =
      tailBytes > 0 ? await readTail(request.logFile, tailBytes) : logSize(request.logFile);
    return { ...result, durationMs, logBytes: bytes, tail };
  }
}

const NOT_RUN: Omit<CommandResult, "durationMs" | "logBytes" | "tail"> = {
  status: "error",
  exitCode: null,
  signal: null,
  problem: null,
  sandboxed: false,
  cwd: null,
};

interface ShellExit {
  exitCode: number | null;
  signal: string | null;
  /** The command could not be started. */
  error: string | null;
}

function exitOf(child: ChildProcess): Promise<ShellExit> {
  return new Promise((resolve) => {
    child.once("error", (error) =>
      resolve({ exitCode: null, signal: null, error: startFailure(error) }),
    );
    child.once("exit", (exitCode, signal) => resolve({ exitCode, signal, error: null }));
  });
}

function startFailure(error: unknown): string {
  return `could not start: ${errorMessage(error).split("\n").join("; ")}`;
}

function stopNote(status: CommandStatus, timeoutMs: number, signal: string | null): string | null {
  if (status === "timeout") {
    return `timed out after ${formatSeconds(timeoutMs)}; process group killed (${signal ?? "SIGKILL"})`;
  }
  if (status === "cancelled") return "cancelled; process group killed";
  return null;
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? seconds(ms) : `${Math.round(ms / 1000)} s`;
}

/** Only the size: the caller reads the log itself. */
function logSize(file: string): { bytes: number; tail: string } {
  try {
    return { bytes: statSync(file).size, tail: "" };
  } catch {
    return { bytes: 0, tail: "" };
  }
}

/** The log's size and its last `tailBytes`, reading nothing before them; none when it is gone. */
async function readTail(file: string, tailBytes: number): Promise<{ bytes: number; tail: string }> {
  try {
    const { bytes, tail } = await readLogSample(file, 0, tailBytes);
    return { bytes, tail };
  } catch {
    return { bytes: 0, tail: "" };
  }
}
