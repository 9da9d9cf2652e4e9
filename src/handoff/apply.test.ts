import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  unlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initRepo, writeIn } from "../../test/support/git-repo.js";
import { UserInputError } from "../errors.js";
import { applyPatch, conflictingFiles } from "./apply.js";
import { addedChars } from "./apply-spec.js";
import { diffWorktree } from "./diff.js";
import { gitOutput, openWorktree, type Worktree } from "./worktree.js";

let base: string;
let repoCount = 0;

const LINES = Array.from({ length: 12 }, (_, index) => `line ${index + 1}`);
const F_TXT = `${LINES.join("\n")}\n`;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-apply-test-")));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function makeRepo(files: Record<string, string>): Promise<string> {
  repoCount += 1;
  return initRepo(join(base, `repo-${repoCount}`), files);
}

function withLine(lineNumber: number, text: string): string {
  return `${LINES.map((line, index) => (index + 1 === lineNumber ? text : line)).join("\n")}\n`;
}

/** What a coder attempt produces: line 2 of f.txt changed, g.txt deleted, n.txt added. */
async function coderPatch(projectRoot: string): Promise<string> {
  const worktree: Worktree = await openWorktree(projectRoot, { tempRoot: join(base, "wt") });
  try {
    writeIn(worktree.path, "f.txt", withLine(2, "line 2 by the coder"));
    unlinkSync(join(worktree.path, "g.txt"));
    writeIn(worktree.path, "n.txt", "new\n");
    return (await diffWorktree(worktree)).patch;
  } finally {
    await worktree.remove();
  }
}

async function snapshot(repo: string): Promise<{ head: string; commits: string; status: string }> {
  return {
    head: await gitOutput(repo, ["rev-parse", "HEAD"]),
    commits: await gitOutput(repo, ["rev-list", "--count", "--all"]),
    status: await gitOutput(repo, ["status", "--porcelain", "--untracked-files=all"]),
  };
}

describe("applyPatch", () => {
  it("applies to the user's tree without committing, leaving the files staged", async () => {
    const repo = await makeRepo({ "f.txt": F_TXT, "g.txt": "going\n", "other.txt": "o\n" });
    const patch = await coderPatch(repo);
    writeIn(repo, "other.txt", "the user's unstaged edit\n");
    const before = await snapshot(repo);

    const result = await applyPatch(repo, patch);

    expect(result).toEqual({ applied: true, files: ["f.txt", "g.txt", "n.txt"] });
    expect(readFileSync(join(repo, "f.txt"), "utf8")).toBe(withLine(2, "line 2 by the coder"));
    expect(existsSync(join(repo, "g.txt"))).toBe(false);
    expect(readFileSync(join(repo, "n.txt"), "utf8")).toBe("new\n");
    const after = await snapshot(repo);
    expect(after.head).toBe(before.head);
    expect(after.commits).toBe(before.commits);
    // --3way implies --index: the patch's files are staged, the user's own edit is not.
    expect(after.status).toBe("M  f.txt\nD  g.txt\nA  n.txt\n M other.txt\n");
  });

  it("merges with a change the user committed since, which plain git apply would refuse", async () => {
    const repo = await makeRepo({ "f.txt": F_TXT, "g.txt": "going\n" });
    const patch = await coderPatch(repo);
    writeIn(repo, "f.txt", withLine(5, "line 5 by the user"));
    await gitOutput(repo, ["commit", "--quiet", "-am", "user's change next to the coder's"]);
    const plain = await gitOutput(repo, ["apply", "--check", "-"], { input: patch }).catch(
      (error: Error) => error.message,
    );
    expect(plain).toContain("patch does not apply");

    const result = await applyPatch(repo, patch);

    expect(result).toMatchObject({ applied: true });
    const merged = readFileSync(join(repo, "f.txt"), "utf8");
    expect(merged).toContain("line 2 by the coder\nline 3\nline 4\nline 5 by the user\n");
  });

  it("refuses a file with a conflicting unstaged edit and leaves the user's tree as it was", async () => {
    const repo = await makeRepo({ "f.txt": F_TXT, "g.txt": "going\n" });
    const patch = await coderPatch(repo);
    writeIn(repo, "f.txt", withLine(2, "line 2 by the user"));
    const before = await snapshot(repo);

    const result = await applyPatch(repo, patch);

    expect(result).toMatchObject({ applied: false, conflicts: ["f.txt"] });
    if (result.applied) throw new Error("unreachable");
    expect(result.message).toContain("error: f.txt: does not match index");
    expect(result.message).toContain("must be staged (git add) or stashed");
    expect(readFileSync(join(repo, "f.txt"), "utf8")).toBe(withLine(2, "line 2 by the user"));
    expect(existsSync(join(repo, "g.txt"))).toBe(true);
    expect(existsSync(join(repo, "n.txt"))).toBe(false);
    expect(await snapshot(repo)).toEqual(before);
  });

  it("refuses a staged edit that a 3-way merge would leave in conflict, writing no markers", async () => {
    const repo = await makeRepo({ "f.txt": F_TXT, "g.txt": "going\n" });
    const patch = await coderPatch(repo);
    writeIn(repo, "f.txt", withLine(2, "line 2 by the user"));
    await gitOutput(repo, ["add", "f.txt"]);
    const before = await snapshot(repo);

    const result = await applyPatch(repo, patch);

    expect(result).toMatchObject({ applied: false, conflicts: ["f.txt"] });
    if (result.applied) throw new Error("unreachable");
    expect(result.message).toContain("Applied patch to 'f.txt' with conflicts.");
    expect(readFileSync(join(repo, "f.txt"), "utf8")).toBe(withLine(2, "line 2 by the user"));
    expect(await snapshot(repo)).toEqual(before);
  });

  it("refuses a new file whose path the user already has untracked", async () => {
    const repo = await makeRepo({ "f.txt": F_TXT, "g.txt": "going\n" });
    const patch = await coderPatch(repo);
    writeIn(repo, "n.txt", "the user's own n.txt\n");
    const before = await snapshot(repo);

    const result = await applyPatch(repo, patch);

    expect(result).toMatchObject({ applied: false, conflicts: ["n.txt"] });
    expect(readFileSync(join(repo, "n.txt"), "utf8")).toBe("the user's own n.txt\n");
    expect(await snapshot(repo)).toEqual(before);
  });

  it("applies a subfolder project's patch inside that folder", async () => {
    const repo = await makeRepo({ "pkg/f.txt": F_TXT, "pkg/g.txt": "going\n", "f.txt": F_TXT });
    const project = join(repo, "pkg");
    const patch = await coderPatch(project);

    const result = await applyPatch(project, patch);

    expect(result).toEqual({ applied: true, files: ["f.txt", "g.txt", "n.txt"] });
    expect(readFileSync(join(project, "f.txt"), "utf8")).toBe(withLine(2, "line 2 by the coder"));
    expect(readFileSync(join(repo, "f.txt"), "utf8")).toBe(F_TXT);
    expect(existsSync(join(project, "n.txt"))).toBe(true);
  });

  it("lists a subfolder project's conflicts relative to its folder", async () => {
    const repo = await makeRepo({ "pkg/f.txt": F_TXT, "pkg/g.txt": "going\n" });
    const project = join(repo, "pkg");
    const patch = await coderPatch(project);
    writeIn(project, "f.txt", withLine(2, "line 2 by the user"));

    expect(await applyPatch(project, patch)).toMatchObject({
      applied: false,
      conflicts: ["f.txt"],
    });
  });

  it("treats an empty patch as nothing to do", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    expect(await applyPatch(repo, "")).toEqual({ applied: true, files: [] });
  });

  it("refuses text that is not a patch", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const result = await applyPatch(repo, "please delete everything\n");
    expect(result).toMatchObject({ applied: false, conflicts: [] });
    if (result.applied) throw new Error("unreachable");
    expect(result.message).toMatch(/^not a usable patch: /);
  });

  it("refuses a folder that is not a git repository", async () => {
    const folder = join(base, "plain");
    mkdirSync(folder, { recursive: true });
    await expect(applyPatch(folder, "diff --git a/x b/x\n")).rejects.toBeInstanceOf(UserInputError);
  });
});

describe("conflictingFiles", () => {
  it("picks the patch's files out of the lines git 2.39 prints, ignoring the rest", () => {
    const output = [
      "Falling back to direct application...",
      "error: a.txt: does not match index",
      "error: patch failed: b.txt:3",
      "error: b.txt: patch does not apply",
      "error: cannot read the current contents of 'c.txt'",
      "Applied patch to 'd.txt' with conflicts.",
      "Applied patch to 'clean.txt' cleanly.",
      "U e.txt",
    ].join("\n");
    const files = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "clean.txt", "untouched.txt"];
    expect(conflictingFiles(output, files)).toEqual(["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]);
  });
});

describe("addedChars", () => {
  it("counts the characters of the lines a patch adds, not its file headers", () => {
    const patch = [
      "diff --git a/src/add.js b/src/add.js",
      "--- a/src/add.js",
      "+++ b/src/add.js",
      "@@ -1,3 +1,3 @@",
      " export function add(a, b) {",
      "-  return a - b;",
      "+  return a + b;",
      "+",
      " }",
    ].join("\n");
    expect(addedChars(patch)).toBe("  return a + b;".length);
  });
});
