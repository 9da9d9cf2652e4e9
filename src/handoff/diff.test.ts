import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initRepo, writeIn } from "../../test/support/git-repo.js";
import { diffWorktree, parseNumstat } from "./diff.js";
import { gitOutput, openWorktree, runGit } from "./worktree.js";

let base: string;
let repoCount = 0;

const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x00, 0xff]);

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-diff-test-")));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function makeRepo(files: Record<string, string | Buffer>): Promise<string> {
  repoCount += 1;
  return initRepo(join(base, `repo-${repoCount}`), files);
}

async function cloneAtHead(repo: string): Promise<string> {
  repoCount += 1;
  const clone = join(base, `clone-${repoCount}`);
  await gitOutput(base, ["clone", "--quiet", repo, clone]);
  return clone;
}

async function applyInto(folder: string, patch: string, check: boolean): Promise<void> {
  const patchFile = join(base, `patch-${repoCount}.patch`);
  writeFileSync(patchFile, patch);
  await gitOutput(folder, ["apply", ...(check ? ["--check"] : []), patchFile]);
}

describe("diffWorktree", () => {
  it("counts added, modified and deleted files, binary ones flagged, and its patch applies at HEAD", async () => {
    const repo = await makeRepo({
      "f.txt": "one\ntwo\nthree\n",
      "g.txt": "going\n",
      "logo.png": BINARY,
      "untouched.txt": "same\n",
    });
    const worktree = await openWorktree(repo, { tempRoot: join(base, "worktrees") });
    try {
      writeIn(worktree.path, "f.txt", "one\nTWO\nthree\nfour\n");
      unlinkSync(join(worktree.path, "g.txt"));
      writeIn(worktree.path, "src/new.ts", "export const added = 1;\nexport {};\n");
      writeIn(worktree.path, "icon.bin", Buffer.concat([BINARY, BINARY]));
      unlinkSync(join(worktree.path, "logo.png"));

      const diff = await diffWorktree(worktree);

      expect(diff.files).toEqual([
        { path: "f.txt", added: 2, removed: 1, binary: false },
        { path: "g.txt", added: 0, removed: 1, binary: false },
        { path: "icon.bin", added: 0, removed: 0, binary: true },
        { path: "logo.png", added: 0, removed: 0, binary: true },
        { path: "src/new.ts", added: 2, removed: 0, binary: false },
      ]);
      expect(diff.patch).toContain("GIT binary patch");

      const clone = await cloneAtHead(repo);
      await applyInto(clone, diff.patch, true);
      await applyInto(clone, diff.patch, false);
      for (const path of ["f.txt", "src/new.ts", "icon.bin"]) {
        expect(readFileSync(join(clone, path))).toEqual(readFileSync(join(worktree.path, path)));
      }
      expect(existsSync(join(clone, "g.txt"))).toBe(false);
      expect(existsSync(join(clone, "logo.png"))).toBe(false);
    } finally {
      await worktree.remove();
    }
  });

  it("returns an empty patch when nothing changed", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const worktree = await openWorktree(repo, { tempRoot: join(base, "worktrees") });
    try {
      expect(await diffWorktree(worktree)).toEqual({ patch: "", files: [] });
    } finally {
      await worktree.remove();
    }
  });

  it("keeps to the given paths, leaving out what a verification run left behind", async () => {
    const repo = await makeRepo({ "a.txt": "a\n" });
    const worktree = await openWorktree(repo, { tempRoot: join(base, "worktrees") });
    try {
      writeIn(worktree.path, "a.txt", "changed\n");
      writeIn(worktree.path, "coverage/out.json", "{}\n");
      writeIn(worktree.path, "*.txt", "a file with a glob for a name\n");

      const diff = await diffWorktree(worktree, { paths: ["a.txt", "gone-already.txt"] });

      expect(diff.files.map((file) => file.path)).toEqual(["a.txt"]);
      expect(diff.patch).not.toContain("coverage/out.json");
      expect((await diffWorktree(worktree, { paths: ["*.txt"] })).files).toEqual([
        { path: "*.txt", added: 1, removed: 0, binary: false },
      ]);
    } finally {
      await worktree.remove();
    }
  });

  it("gives a subfolder project paths relative to its folder", async () => {
    const repo = await makeRepo({ "top.txt": "t\n", "pkg/p.txt": "p\n" });
    const worktree = await openWorktree(join(repo, "pkg"), { tempRoot: join(base, "worktrees") });
    try {
      writeIn(worktree.path, "p.txt", "P\n");
      writeIn(worktree.root, "top.txt", "outside the project\n");

      const diff = await diffWorktree(worktree);

      expect(diff.files).toEqual([{ path: "p.txt", added: 1, removed: 1, binary: false }]);
      expect(diff.patch).toContain("diff --git a/p.txt b/p.txt");
    } finally {
      await worktree.remove();
    }
  });

  it("ignores the user's diff settings that would spoil the patch", async () => {
    const repo = await makeRepo({
      "é x.txt": "old\n",
      "moved-from.txt": "same content\n".repeat(20),
    });
    for (const [key, value] of [
      ["diff.noprefix", "true"],
      ["color.ui", "always"],
      ["diff.renames", "copies"],
      ["core.quotePath", "true"],
    ] as const) {
      await gitOutput(repo, ["config", key, value]);
    }
    const worktree = await openWorktree(repo, { tempRoot: join(base, "worktrees") });
    try {
      writeIn(worktree.path, "é x.txt", "new\n");
      writeIn(worktree.path, "moved-to.txt", "same content\n".repeat(20));
      unlinkSync(join(worktree.path, "moved-from.txt"));

      const diff = await diffWorktree(worktree);

      expect(diff.files.map((file) => file.path)).toEqual([
        "moved-from.txt",
        "moved-to.txt",
        "é x.txt",
      ]);
      expect(diff.patch).not.toContain("\u001b[");
      const clone = await cloneAtHead(repo);
      const check = await runGit(clone, ["apply", "--check", "-"], { input: diff.patch });
      expect(check).toMatchObject({ exitCode: 0, stderr: "" });
    } finally {
      await worktree.remove();
    }
  });
});

describe("parseNumstat", () => {
  it("reads -z entries, with tabs and newlines in names and - for binary files", () => {
    expect(parseNumstat("3\t1\ta\tb.txt\x00-\t-\tline\nbreak.bin\x00")).toEqual([
      { path: "a\tb.txt", added: 3, removed: 1, binary: false },
      { path: "line\nbreak.bin", added: 0, removed: 0, binary: true },
    ]);
  });
});
