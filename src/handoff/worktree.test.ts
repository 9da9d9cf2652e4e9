import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initRepo, worktreePaths } from "../../test/support/git-repo.js";
import { UserInputError } from "../errors.js";
import { gitOutput, openWorktree } from "./worktree.js";

let base: string;
let tempRoot: string;
let repoCount = 0;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-worktree-test-")));
  tempRoot = join(base, "worktrees");
  mkdirSync(tempRoot);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A repository with one commit holding `files`; user identity set locally, as a user's would be. */
async function makeRepo(files: Record<string, string>): Promise<string> {
  repoCount += 1;
  return initRepo(join(base, `repo-${repoCount}`), files);
}

async function expectNothingLeft(repo: string): Promise<void> {
  expect(await worktreePaths(repo)).toEqual([repo]);
  expect(readdirSync(tempRoot)).toEqual([]);
  const records = join(repo, ".git", "worktrees");
  expect(existsSync(records) ? readdirSync(records) : []).toEqual([]);
}

describe("openWorktree", () => {
  it("checks out HEAD without the user's uncommitted changes and leaves their tree alone", async () => {
    const repo = await makeRepo({ "a.txt": "committed\n", "src/b.ts": "export {};\n" });
    writeFileSync(join(repo, "a.txt"), "user edit\n");
    writeFileSync(join(repo, "untracked.txt"), "mine\n");
    const statusBefore = await gitOutput(repo, ["status", "--porcelain"]);

    const worktree = await openWorktree(repo, { tempRoot });
    try {
      expect(dirname(worktree.path)).toBe(tempRoot);
      expect(worktree.path).toMatch(/squad-wt-[^/]+$/);
      expect(worktree.head).toBe((await gitOutput(repo, ["rev-parse", "HEAD"])).trim());
      expect(readFileSync(join(worktree.path, "a.txt"), "utf8")).toBe("committed\n");
      expect(readFileSync(join(worktree.path, "src/b.ts"), "utf8")).toBe("export {};\n");
      expect(existsSync(join(worktree.path, "untracked.txt"))).toBe(false);
      expect(await worktreePaths(repo)).toEqual([repo, worktree.path]);
    } finally {
      await worktree.remove();
    }
    expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("user edit\n");
    expect(await gitOutput(repo, ["status", "--porcelain"])).toBe(statusBefore);
  });

  it("refuses a folder that is not a git repository, naming it", async () => {
    const folder = join(base, "plain");
    mkdirSync(folder);
    const opening = openWorktree(folder, { tempRoot });
    await expect(opening).rejects.toBeInstanceOf(UserInputError);
    await expect(opening).rejects.toThrow(`${folder} is not a git repository`);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it("refuses a repository without commits", async () => {
    const repo = await makeRepo({});
    const opening = openWorktree(repo, { tempRoot });
    await expect(opening).rejects.toBeInstanceOf(UserInputError);
    await expect(opening).rejects.toThrow("has no commits yet");
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it("refuses a project folder that does not exist", async () => {
    await expect(openWorktree(join(base, "missing"), { tempRoot })).rejects.toThrow(
      "does not exist or is not a folder",
    );
  });

  it("leaves no worktree and no folder after remove(), even when called twice", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const worktree = await openWorktree(repo, { tempRoot });
    writeFileSync(join(worktree.path, "scratch.txt"), "untracked output of a verification run\n");

    await worktree.remove();
    await worktree.remove();

    expect(existsSync(worktree.root)).toBe(false);
    await expectNothingLeft(repo);
  });

  it("drops git's record of a worktree that git no longer recognises as one", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const worktree = await openWorktree(repo, { tempRoot });
    // Without its `.git` file, `git worktree remove` refuses the folder ("validation failed").
    rmSync(join(worktree.root, ".git"));

    await worktree.remove();

    await expectNothingLeft(repo);
  });

  it("leaves the user's own worktrees alone, even those whose folder is missing", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const usersWorktree = join(base, `users-worktree-${repoCount}`);
    await gitOutput(repo, ["worktree", "add", "--quiet", "--detach", usersWorktree]);
    // As if it were on a drive that is not mounted right now.
    rmSync(usersWorktree, { recursive: true });

    const worktree = await openWorktree(repo, { tempRoot });
    await worktree.remove();

    expect(await worktreePaths(repo)).toEqual([repo, usersWorktree]);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it("gives a subfolder project its own folder inside the worktree", async () => {
    const repo = await makeRepo({ "top.txt": "t\n", "pkg/p.txt": "p\n" });
    const worktree = await openWorktree(join(repo, "pkg"), { tempRoot });
    try {
      expect(worktree.path).toBe(join(worktree.root, "pkg"));
      expect(readFileSync(join(worktree.path, "p.txt"), "utf8")).toBe("p\n");
    } finally {
      await worktree.remove();
    }
    await expectNothingLeft(repo);
  });

  it("opens several worktrees of one repository at once", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const worktrees = await Promise.all([1, 2, 3].map(() => openWorktree(repo, { tempRoot })));
    expect(new Set(worktrees.map((worktree) => worktree.path)).size).toBe(3);
    await Promise.all(worktrees.map((worktree) => worktree.remove()));
    await expectNothingLeft(repo);
  });

  it("does nothing when cancelled before it starts", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const controller = new AbortController();
    controller.abort();
    await expect(openWorktree(repo, { tempRoot, signal: controller.signal })).rejects.toThrow();
    await expectNothingLeft(repo);
  });

  it("leaves nothing behind when cancelled while git checks out", async () => {
    const files: Record<string, string> = {};
    for (let index = 0; index < 3_000; index += 1) files[`many/file-${index}.txt`] = `${index}\n`;
    const repo = await makeRepo(files);
    const controller = new AbortController();
    // git writes the worktree's `.git` file first, then the checkout: abort between the two.
    const poll = setInterval(() => {
      const started = readdirSync(tempRoot).some((folder) =>
        existsSync(join(tempRoot, folder, ".git")),
      );
      if (started) controller.abort();
    }, 1);
    try {
      await expect(openWorktree(repo, { tempRoot, signal: controller.signal })).rejects.toThrow(
        expect.objectContaining({ name: "AbortError" }),
      );
    } finally {
      clearInterval(poll);
    }
    await expectNothingLeft(repo);
  });
});

describe("gitOutput", () => {
  it("carries git's own message when git fails", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    await expect(gitOutput(repo, ["rev-parse", "--verify", "no-such-branch"])).rejects.toThrow(
      /git rev-parse --verify no-such-branch failed \(exit 128\): fatal: /,
    );
  });
});
