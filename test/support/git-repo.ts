import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gitOutput } from "../../src/handoff/worktree.js";

/** Writes `content` to `path` under `folder`, creating the folders on the way. */
export function writeIn(folder: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), content);
}

/**
 * Makes `repo` a git repository whose one commit holds `files` (no commit when `files` is
 * empty), with the user identity set locally as a user's would be and signing off.
 */
export async function initRepo(
  repo: string,
  files: Record<string, string | Buffer>,
): Promise<string> {
  mkdirSync(repo, { recursive: true });
  await gitOutput(repo, ["init", "--quiet"]);
  await gitOutput(repo, ["config", "user.name", "Test User"]);
  await gitOutput(repo, ["config", "user.email", "test@example.com"]);
  await gitOutput(repo, ["config", "commit.gpgsign", "false"]);
  for (const [path, content] of Object.entries(files)) writeIn(repo, path, content);
  if (Object.keys(files).length > 0) {
    await gitOutput(repo, ["add", "--all"]);
    await gitOutput(repo, ["commit", "--quiet", "-m", "initial"]);
  }
  return repo;
}

/** The paths `git worktree list` shows for `repo`, the main worktree first. */
export async function worktreePaths(repo: string): Promise<string[]> {
  const list = await gitOutput(repo, ["worktree", "list", "--porcelain"]);
  return list
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .map((line) => line.slice("worktree ".length));
}
