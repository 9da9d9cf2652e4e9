import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { execa } from "execa";
import { UserInputError } from "../errors.js";

/** A detached git worktree at the project's HEAD, in a temp folder of its own. */
export interface Worktree {
  /** The project's folder inside the worktree: spec paths are relative to it. */
  path: string;
  /** The worktree's top folder; differs from `path` when the project is a subfolder of its repository. */
  root: string;
  /** The full id of the commit checked out. */
  head: string;
  /** Removes the worktree, its temp folder and git's record of it. Idempotent. */
  remove(): Promise<void>;
}

export interface OpenWorktreeOptions {
  /** Where the `squad-wt-<server pid>-XXXXXX` folder is made; default the system temp folder. */
  tempRoot?: string;
  signal?: AbortSignal;
}

export interface GitOptions {
  /** Written to git's stdin (a patch); otherwise stdin is closed. */
  input?: string;
  /** Set on top of the environment (e.g. a private object directory). */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

export interface GitResult {
  /** -1 when git could not be started. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Where a project lives in its repository. */
export interface RepositoryLocation {
  /** The repository's top folder (the working tree root). */
  top: string;
  /** The project's folder relative to `top`, with a trailing slash; "" at the top. */
  prefix: string;
  /** The `.git` folder shared by all worktrees (of the main checkout, from a linked one). */
  commonDir: string;
}

/** A git command that failed; the message carries git's own words. */
export class GitError extends Error {
  override readonly name = "GitError";
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed (exit ${exitCode}): ${stderr.trim() || "no message"}`);
  }
}

/**
 * These would point git at another repository, index or object store than the one in `cwd`
 * (they are set when the server is started from a git hook, for one).
 */
const REPOSITORY_VARIABLES = new Set([
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
]);

/**
 * Runs git in `cwd` with its output captured (never the server's stdout). Does not throw for
 * a failing command, only when `signal` aborts it (with the signal's reason).
 */
export async function runGit(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<GitResult> {
  options.signal?.throwIfAborted();
  // An fsmonitor daemon would be started for a throwaway worktree and outlive it.
  const result = await execa("git", ["-c", "core.fsmonitor=false", ...args], {
    cwd,
    env: { ...gitEnvironment(), ...options.env },
    extendEnv: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    stdout: "pipe",
    stderr: "pipe",
    // A patch's last newline is part of it.
    stripFinalNewline: false,
    reject: false,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  if (result.isCanceled) options.signal?.throwIfAborted();
  if (result.exitCode === undefined) {
    return { exitCode: -1, stdout: "", stderr: result.shortMessage ?? "git could not be started" };
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Runs git and returns its stdout; throws GitError when it exits non-zero. */
export async function gitOutput(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<string> {
  const result = await runGit(cwd, args, options);
  if (result.exitCode !== 0) throw new GitError(args, result.exitCode, result.stderr);
  return result.stdout;
}

function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!REPOSITORY_VARIABLES.has(name)) env[name] = value;
  }
  // Callers parse git's messages, which are translated in other locales.
  env.LC_ALL = "C";
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}

/**
 * Finds the repository the project is in; a UserInputError when there is none, since the
 * user can fix that and the host should tell them how.
 */
export async function locateRepository(
  projectRoot: string,
  signal?: AbortSignal,
): Promise<RepositoryLocation> {
  const folder = await stat(projectRoot).catch(() => null);
  if (!folder?.isDirectory()) {
    throw new UserInputError("project", `${projectRoot} does not exist or is not a folder`);
  }
  const found = await runGit(
    projectRoot,
    ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir", "--show-prefix"],
    { signal },
  );
  if (found.exitCode !== 0) {
    throw new UserInputError(
      "project",
      `${projectRoot} is not a git repository (git init and commit once, then try again): ${firstLine(found.stderr)}`,
    );
  }
  const [top = "", commonDir = "", prefix = ""] = found.stdout.split("\n");
  return { top, prefix, commonDir };
}

/** The full id of the commit HEAD points at. */
async function resolveHead(location: RepositoryLocation, signal?: AbortSignal): Promise<string> {
  const head = await runGit(location.top, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], {
    signal,
  });
  if (head.exitCode !== 0) {
    throw new UserInputError(
      "project",
      `the git repository at ${location.top} has no commits yet (commit once, then try again)`,
    );
  }
  return head.stdout.trim();
}

/**
 * Checks out the project's HEAD in a fresh temp folder with `git worktree add --detach`. The
 * user's working tree, index and branches are untouched; their uncommitted changes are not
 * in the worktree. Call `remove()` when done, also on failure or cancel.
 */
export async function openWorktree(
  projectRoot: string,
  options: OpenWorktreeOptions = {},
): Promise<Worktree> {
  const { signal } = options;
  const location = await locateRepository(projectRoot, signal);
  // The id, not "HEAD": a commit the user makes meanwhile must not change what is checked out.
  const head = await resolveHead(location, signal);
  const tempRoot = options.tempRoot ?? tmpdir();
  await mkdir(tempRoot, { recursive: true });
  // Real path: the symlink checks on coder paths compare against it (macOS's /tmp is a link).
  // Named after this process, so a server started after it died can tell the folder is left over.
  const root = await realpath(await mkdtemp(join(tempRoot, `${WORKTREE_PREFIX}${process.pid}-`)));
  const remove = once(() => oneAtATime(location.top, () => removeWorktree(location, root)));
  try {
    // Hooks are the user's (post-checkout may install, build, print); a throwaway copy needs none.
    const args = ["-c", "core.hooksPath=/dev/null", "worktree", "add", "--detach", root, head];
    await oneAtATime(location.top, () => gitOutput(location.top, args, { signal }));
    // A project folder with nothing committed yet is absent from HEAD; its files go there.
    await mkdir(resolve(root, location.prefix), { recursive: true });
  } catch (error) {
    await remove();
    throw error;
  }
  return { path: resolve(root, location.prefix), root, head, remove };
}

const WORKTREE_PREFIX = "squad-wt-";
const LEFTOVER = /^squad-wt-(\d+)-/;

/**
 * Removes the worktrees servers that are gone left in `tempRoot` (killed with SIGKILL in the
 * middle of an implement_spec): the folder, and git's record of it in whichever repository it
 * belongs to. Returns how many it removed.
 */
export async function removeLeftoverWorktrees(
  isAlive: (pid: number) => boolean,
  tempRoot: string = tmpdir(),
): Promise<number> {
  const entries = await readdir(tempRoot).catch(() => [] as string[]);
  let removed = 0;
  for (const entry of entries) {
    const pid = Number(LEFTOVER.exec(entry)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const root = join(tempRoot, entry);
    const pointer = await readFile(join(root, ".git"), "utf8").catch(() => "");
    const record = /^gitdir: (.+)$/m.exec(pointer)?.[1];
    if (record) await dropRecordOf(record, root);
    await rm(root, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

/** Deletes a worktree record (`.git/worktrees/<name>`) if it is the one of `root`. */
async function dropRecordOf(record: string, root: string): Promise<void> {
  const gitdir = await readFile(join(record, "gitdir"), "utf8").catch(() => null);
  if (gitdir !== null && gitdir.trim() === join(root, ".git")) {
    await rm(record, { recursive: true, force: true });
  }
}

async function removeWorktree(location: RepositoryLocation, root: string): Promise<void> {
  // Forced twice: also removes a worktree git left locked because `worktree add` was killed.
  await runGit(location.top, ["worktree", "remove", "--force", "--force", root]);
  await rm(root, { recursive: true, force: true });
  await dropWorktreeRecord(location.commonDir, root);
}

/**
 * Deletes git's record of our worktree when `worktree remove` could not (the folder was never
 * fully a worktree). Not `git worktree prune`: that would also drop the user's own worktrees
 * whose folders are missing right now, on an unmounted drive for one. git names the record
 * after the folder, and ours is unique; its `gitdir` file confirms it is ours.
 */
async function dropWorktreeRecord(commonDir: string, root: string): Promise<void> {
  const record = join(commonDir, "worktrees", basename(root));
  const gitdir = await readFile(join(record, "gitdir"), "utf8").catch(() => null);
  if (gitdir === null || gitdir.trim() === join(root, ".git")) {
    await rm(record, { recursive: true, force: true });
  }
}

const worktreeChanges = new Map<string, Promise<unknown>>();

/**
 * Runs worktree changes of one repository one after another. `git worktree add` reads the
 * records of every other worktree and fails on one still being written ("fatal: failed to
 * read .git/worktrees/squad-wt-…/commondir"), which parallel attempts would otherwise hit.
 */
function oneAtATime<T>(repositoryTop: string, change: () => Promise<T>): Promise<T> {
  const previous = worktreeChanges.get(repositoryTop) ?? Promise.resolve();
  const result = previous.then(change, change);
  const settled = result.catch(() => undefined);
  worktreeChanges.set(repositoryTop, settled);
  void settled.then(() => {
    if (worktreeChanges.get(repositoryTop) === settled) worktreeChanges.delete(repositoryTop);
  });
  return result;
}

function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= action();
    return running;
  };
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
