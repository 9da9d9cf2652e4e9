import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import type { Socket } from "node:net";
import { constants as osConstants } from "node:os";
import { delimiter, join } from "node:path";
import { getSystemErrorMap } from "node:util";

/**
 * A long-lived perl process that starts commands for us. Node's spawn() forks the whole server
 * (about 100 MB of page tables) and holds the event loop while it does, ~1–5 ms per command;
 * perl forks a 5 MB process and the server only writes one record to a pipe. Each command
 * still gets what the Node path gives it: `/bin/sh -c` in a new session and process group,
 * stdin from /dev/null, stdout and stderr to its log file, exactly the given environment.
 *
 * Protocol (NUL-separated records on stdin): first the children's environment as a count and
 * NAME=VALUE records, then four records per command: id, cwd, log file, command (id `K` with
 * empty fields instead asks perl to SIGKILL every command's group). Answers are lines on
 * stdout: `R <pid>` once ready, `S <id> <pid>` when a command started,
 * `F <id> <log|cwd|fork> <errno>` when it could not, `E <id> <wait status> <left> <log bytes>`
 * when it ended (left: 1 while anything else of its process group still exists, 0 once none does);
 * a command's `E` always follows its `S`.
 */
const PROGRAM = String.raw`
use strict; use warnings; use POSIX ();
$SIG{PIPE} = 'DEFAULT';
binmode STDIN; binmode STDOUT;
my (%live, %early);
# Perl runs this between statements, wherever the main loop is, even inside a reap the loop
# called: $? and $! are local so such a call cannot change them under its caller (the last
# waitpid sets $? to -1). A child may be reaped before the loop has recorded whose it is, so
# such statuses wait in %early.
# An end is told as its wait status, whether its group is empty now (an empty group stays
# empty: nothing is left in it to fork) and the size of its log.
sub reap {
  local ($?, $!);
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    my $left = kill(0, -$pid) ? 1 : 0;
    my $child = delete $live{$pid};
    if (defined $child) { ended($child, "$status $left"); } else { $early{$pid} = "$status $left"; }
  }
}
sub ended { my ($child, $how) = @_; tell_server("E $child->[0] $how " . ((-s $child->[1]) || 0) . "\n"); }
# One whole line per write: a line under PIPE_BUF is written entirely or not at all, so a
# write retried after a signal cannot interleave with another.
sub tell_server { my $line = shift; while (!defined syswrite(STDOUT, $line)) { exit 1 unless $! == POSIX::EINTR(); } }
# Records are read with select and sysread, not <STDIN>: a SIGCHLD that lands just before a
# blocking read would wait for the next record, and the server sends none until a command ends.
# So while commands run, select wakes up every 50 ms to reap whatever that race left.
my $buffer = '';
sub record {
  while (1) {
    my $end = index($buffer, "\0");
    if ($end >= 0) { my $x = substr($buffer, 0, $end); substr($buffer, 0, $end + 1) = ''; return $x; }
    my $ready = '';
    vec($ready, fileno(STDIN), 1) = 1;
    my $n = select($ready, undef, undef, %live ? 0.05 : undef);
    reap();
    next if $n <= 0;
    my $got = sysread(STDIN, $buffer, 65536, length $buffer);
    next if !defined $got && $! == POSIX::EINTR();
    exit 0 unless $got;
  }
}
my $count = record();
my %env;
for (1 .. $count) { my ($k, $v) = split /=/, record(), 2; $env{$k} = $v; }
%ENV = %env;
open(my $null, '<', '/dev/null') or die "cannot open /dev/null: $!\n";
$SIG{CHLD} = \&reap;
tell_server("R $$\n");
while (1) {
  my ($id, $cwd, $log, $cmd) = (record(), record(), record(), record());
  # K: the server is shutting down. Every command sent before this one has been forked by now.
  if ($id eq 'K') { kill('KILL', -$_) for keys %live; next; }
  my $fh;
  unless (open($fh, '>', $log)) { tell_server("F $id log " . ($! + 0) . "\n"); next; }
  # Each test stats anew: reap (which may run between any two statements) stats logs, and
  # that would change what the cached "_" holds.
  my $bad = !-e $cwd ? $! + 0 : !-d $cwd ? POSIX::ENOTDIR() : !-x $cwd ? POSIX::EACCES() : 0;
  if ($bad) { close $fh; tell_server("F $id cwd $bad\n"); next; }
  # The child closes its end of this pipe once it leads its own session and group, so no kill
  # of the group the server sends after S can miss a child that has not called setsid yet.
  my ($ready, $started);
  unless (pipe($ready, $started)) { my $e = $! + 0; close $fh; tell_server("F $id fork $e\n"); next; }
  my $pid = fork();
  if (!defined $pid) {
    my $e = $! + 0; close $fh; close $ready; close $started; tell_server("F $id fork $e\n"); next;
  }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT';
    close $ready;
    POSIX::setsid();
    close $started;
    POSIX::dup2(fileno($null), 0); POSIX::dup2(fileno($fh), 1); POSIX::dup2(fileno($fh), 2);
    chdir($cwd) or do { print STDERR "squad-mcp: cannot enter $cwd: $!\n"; POSIX::_exit(126); };
    { exec { '/bin/sh' } '/bin/sh', '-c', $cmd; }
    print STDERR "squad-mcp: cannot run /bin/sh: $!\n"; POSIX::_exit(127);
  }
  close $fh;
  close $started;
  while (!defined sysread($ready, my $byte, 1)) { last unless $! == POSIX::EINTR(); }
  close $ready;
  # S before the child is recorded, so its E (written by reap once recorded) always follows.
  tell_server("S $id $pid\n");
  $live{$pid} = [$id, $log];
  if (exists $early{$pid}) { ended(delete $live{$pid}, delete $early{$pid}); }
}
`;

/** How long perl may take to answer `R` before we give up on it and spawn from Node. */
const READY_TIMEOUT_MS = 10_000;

export interface ShellExit {
  exitCode: number | null;
  /** The signal that ended the shell, e.g. "SIGTERM". */
  signal: string | null;
  /** Set when the launcher died first, so how the command ended is unknown. */
  lost: string | null;
  /** True when nothing of the command's process group was left as the shell ended. */
  groupGone?: boolean;
  /** The size of the log as the shell ended, when the launcher measured it. */
  logBytes?: number;
}

export interface LaunchedShell {
  pid: number;
  exit: Promise<ShellExit>;
}

export interface ShellLaunch {
  command: string;
  cwd: string;
  logFile: string;
}

export type LaunchAnswer = { shell: LaunchedShell } | { error: string };

interface Pending {
  launch: ShellLaunch;
  started: (answer: LaunchAnswer) => void;
  /** Set by `S`; the program writes a command's `E` only after its `S`. */
  ended: ((exit: ShellExit) => void) | null;
}

export class PerlLauncher {
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private buffer = "";
  private stderr = "";
  private dead: string | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  /** Starts perl with the children's environment; null when perl cannot be run here. */
  static async start(perl: string, env: NodeJS.ProcessEnv): Promise<PerlLauncher | null> {
    let child: ChildProcessWithoutNullStreams;
    try {
      // perl itself gets no environment: PERL5OPT, PERL5LIB and the like cannot reach it.
      child = spawn(perl, ["-e", PROGRAM], { env: {}, stdio: "pipe" });
    } catch {
      return null;
    }
    const launcher = new PerlLauncher(child);
    const ready = await launcher.handshake(env);
    if (!ready) {
      child.kill("SIGKILL");
      return null;
    }
    launcher.idle();
    return launcher;
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** Starts `/bin/sh -c command`; resolves once it runs (with its pid) or could not start. */
  launch(launch: ShellLaunch): Promise<LaunchAnswer> {
    if (this.dead !== null) return Promise.resolve({ error: this.dead });
    // NUL ends a record: one inside a field would shift every record after it. No program
    // can receive one in its arguments anyway (Node's spawn refuses them too).
    for (const field of ["command", "cwd", "logFile"] as const) {
      if (launch[field].includes("\0")) {
        return Promise.resolve({ error: `the ${field} contains a NUL character` });
      }
    }
    const id = String(this.nextId++);
    if (this.pending.size === 0) this.busy();
    return new Promise<LaunchAnswer>((resolve) => {
      this.pending.set(id, { launch, started: resolve, ended: null });
      this.child.stdin.write(`${id}\0${launch.cwd}\0${launch.logFile}\0${launch.command}\0`);
    });
  }

  /**
   * SIGKILLs the group of every command perl has started, including those whose `S` the
   * server has not read yet. The write reaches the pipe at once, so this holds even when the
   * server exits right after (shutdown).
   */
  killAll(): void {
    if (this.dead === null) this.child.stdin.write("K\0\0\0\0");
  }

  /** Ends perl; commands it started keep running in their own groups. */
  close(): void {
    this.child.stdin.end();
  }

  private handshake(env: NodeJS.ProcessEnv): Promise<boolean> {
    const entries = Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !entry[0].includes("=") &&
        !`${entry[0]}${entry[1]}`.includes("\0"),
    );
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      const settle = (ready: boolean) => {
        clearTimeout(timer);
        resolve(ready);
      };
      this.child.on("error", (error) => {
        this.died(`the command launcher (perl) failed: ${error.message}`);
        settle(false);
      });
      this.child.on("exit", (code, signal) => {
        this.died(
          `the command launcher (perl) exited (${signal ?? `code ${code}`})` +
            (this.stderr.trim() ? `: ${this.stderr.trim().slice(-300)}` : ""),
        );
        settle(false);
      });
      this.child.stdin.on("error", () => {
        // EPIPE when perl is gone; its exit event reports that.
      });
      this.child.stderr.on("data", (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString()).slice(-4_096);
      });
      this.child.stdout.on("data", (chunk: Buffer) => {
        this.buffer += chunk.toString();
        let newline = this.buffer.indexOf("\n");
        while (newline !== -1) {
          const line = this.buffer.slice(0, newline);
          this.buffer = this.buffer.slice(newline + 1);
          if (line.startsWith("R ")) settle(true);
          else this.answer(line);
          newline = this.buffer.indexOf("\n");
        }
      });
      const records = entries.map(([name, value]) => `${name}=${value}\0`).join("");
      this.child.stdin.write(`${entries.length}\0${records}`);
    });
  }

  private answer(line: string): void {
    const [kind, id = "", first = "", second = "", third = ""] = line.split(" ");
    const pending = this.pending.get(id);
    if (!pending) return;
    if (kind === "S") {
      const exit = new Promise<ShellExit>((resolve) => {
        pending.ended = resolve;
      });
      pending.started({ shell: { pid: Number(first), exit } });
    } else if (kind === "F") {
      this.forget(id);
      pending.started({ error: startFailure(pending.launch, first, Number(second)) });
    } else if (kind === "E") {
      this.forget(id);
      const exit = waitStatus(Number(first));
      const logBytes = Number(third);
      pending.ended?.(
        exit.lost === null
          ? {
              ...exit,
              groupGone: second === "0",
              ...(Number.isSafeInteger(logBytes) && logBytes >= 0 ? { logBytes } : {}),
            }
          : exit,
      );
    }
  }

  private forget(id: string): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.idle();
  }

  private died(why: string): void {
    if (this.dead !== null) return;
    this.dead = why;
    for (const pending of this.pending.values()) {
      if (pending.ended) pending.ended({ exitCode: null, signal: null, lost: why });
      else pending.started({ error: why });
    }
    this.pending.clear();
  }

  /** While commands run, perl keeps the process alive like any child would. */
  private busy(): void {
    this.child.ref();
    pipe(this.child.stdout).ref();
  }

  /** An idle launcher must not keep a CLI command from exiting. */
  private idle(): void {
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr, this.child.stdin])
      pipe(stream).unref();
  }
}

/** A child's stdio stream is a pipe socket, which can be (un)ref'd like any handle. */
function pipe(stream: NodeJS.ReadableStream | NodeJS.WritableStream): Socket {
  return stream as Socket;
}

function startFailure(launch: ShellLaunch, what: string, errno: number): string {
  const [code, text] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, "unknown error"];
  if (what === "log") return `cannot create the log ${launch.logFile}: ${code}: ${text}`;
  if (what === "cwd") return `cannot run in ${launch.cwd}: ${code}: ${text}`;
  return `cannot start /bin/sh: fork failed: ${code}: ${text}`;
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name]),
);

/** A POSIX wait status as exit code or signal name. */
function waitStatus(status: number): ShellExit {
  if (!Number.isInteger(status) || status < 0) {
    return { exitCode: null, signal: null, lost: `perl sent no exit status (${status})` };
  }
  const signal = status & 0x7f;
  if (signal === 0) return { exitCode: (status >> 8) & 0xff, signal: null, lost: null };
  return { exitCode: null, signal: SIGNAL_NAMES.get(signal) ?? `signal ${signal}`, lost: null };
}

/** perl on PATH (or the usual place), or null. */
export function findPerl(path: string | undefined = process.env.PATH): string | null {
  const dirs = [...(path ?? "").split(delimiter).filter(Boolean), "/usr/bin"];
  for (const dir of dirs) {
    const candidate = join(dir, "perl");
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

interface LauncherSlot {
  ready: Promise<PerlLauncher | null>;
  /** undefined while perl starts; null when it cannot be used here. */
  launcher: PerlLauncher | null | undefined;
}

/** One launcher per distinct child environment, started on first use. */
const launchers = new Map<string, LauncherSlot>();

/** The launcher for commands with this environment; null: perl is not usable, spawn from Node. */
export function launcherFor(env: NodeJS.ProcessEnv): Promise<PerlLauncher | null> {
  const key = environmentKey(env);
  const known = launchers.get(key);
  if (known && (known.launcher === undefined || known.launcher === null || known.launcher.alive))
    return known.ready;
  const perl = findPerl();
  const slot: LauncherSlot = {
    ready: perl === null ? Promise.resolve(null) : PerlLauncher.start(perl, env),
    launcher: undefined,
  };
  slot.ready.then((launcher) => {
    slot.launcher = launcher;
  });
  launchers.set(key, slot);
  return slot.ready;
}

/** Squads pass the same (frozen) environment object for every task: its key is kept. */
const keys = new WeakMap<NodeJS.ProcessEnv, string>();

function environmentKey(env: NodeJS.ProcessEnv): string {
  let key = Object.isFrozen(env) ? keys.get(env) : undefined;
  if (key === undefined) {
    key = JSON.stringify(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (Object.isFrozen(env)) keys.set(env, key);
  }
  return key;
}

/** Ends every launcher (tests); commands they started keep running. */
/** Every live launcher kills what it started (server shutdown; see killAll). */
export function killLaunchedCommands(): void {
  for (const slot of launchers.values()) slot.launcher?.killAll();
}

export function closeLaunchers(): void {
  for (const slot of launchers.values()) slot.launcher?.close();
  launchers.clear();
}
