import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { initRepo } from "../../test/support/git-repo.js";
import { type AllowedFile, type CoderFile, writeCoderFiles } from "./coder-files.js";
import { gitOutput, openWorktree, type Worktree } from "./worktree.js";

let base: string;
let repo: string;
let outside: string;
let worktree: Worktree;

const HEAD_FILES: Record<string, string> = {
  "src/a.ts": "export const a = 1;\n",
  "src/keep.ts": "export const keep = true;\n",
  "docs/old.md": "# Old\n",
};

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-coder-files-test-")));
  repo = await initRepo(join(base, "repo"), HEAD_FILES);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

beforeEach(async () => {
  worktree = await openWorktree(repo, { tempRoot: join(base, "worktrees") });
  outside = mkdtempSync(join(base, "outside-"));
  writeFileSync(join(outside, "secret.txt"), "do not touch\n");
});
afterEach(async () => {
  await worktree.remove();
  rmSync(outside, { recursive: true, force: true });
});

function read(path: string): string {
  return readFileSync(join(worktree.path, path), "utf8");
}

async function worktreeStatus(): Promise<string> {
  return gitOutput(worktree.path, ["status", "--porcelain", "--untracked-files=all"]);
}

describe("writeCoderFiles", () => {
  it("writes NEW and MODIFY files and deletes DELETE files the spec lists", async () => {
    const allowed: AllowedFile[] = [
      { path: "src/deep/new.ts", action: "NEW" },
      { path: "src/a.ts", action: "MODIFY" },
      { path: "docs/old.md", action: "DELETE" },
    ];
    const files: CoderFile[] = [
      { path: "src/deep/new.ts", action: "NEW", content: "export const added = 2;\n" },
      { path: "src/a.ts", action: "MODIFY", content: "export const a = 10;\n" },
      { path: "docs/old.md", action: "DELETE", content: "" },
    ];

    const outcome = await writeCoderFiles(worktree, allowed, files);

    expect(outcome).toEqual({
      written: ["src/deep/new.ts", "src/a.ts", "docs/old.md"],
      deviations: [],
    });
    expect(read("src/deep/new.ts")).toBe("export const added = 2;\n");
    expect(read("src/a.ts")).toBe("export const a = 10;\n");
    expect(existsSync(join(worktree.path, "docs/old.md"))).toBe(false);
    expect(read("src/keep.ts")).toBe(HEAD_FILES["src/keep.ts"]);
  });

  it("matches a coder's ./ and backslash spellings to the spec's path", async () => {
    const allowed: AllowedFile[] = [{ path: "src/a.ts", action: "MODIFY" }];
    const outcome = await writeCoderFiles(worktree, allowed, [
      { path: ".\\src\\a.ts", action: "MODIFY", content: "export const a = 3;\n" },
    ]);
    expect(outcome).toEqual({ written: ["src/a.ts"], deviations: [] });
    expect(read("src/a.ts")).toBe("export const a = 3;\n");
  });

  describe("refuses, records why and writes nothing", () => {
    /** `spec`: the spec's action for the path; by default the coder's, so only the check under test refuses. */
    const refusals: {
      kind: string;
      file: () => CoderFile;
      spec?: AllowedFile["action"] | "unlisted";
      reason: RegExp;
    }[] = [
      {
        kind: "a path the spec does not list",
        file: () => ({ path: "src/other.ts", action: "NEW", content: "x" }),
        spec: "unlisted",
        reason: /"src\/other.ts" not written: not in the spec's file list/,
      },
      {
        kind: "an absolute path",
        file: () => ({ path: join(outside, "absolute.txt"), action: "NEW", content: "x" }),
        reason: /not written: an absolute path/,
      },
      {
        kind: "a path leaving through ..",
        file: () => ({ path: "../escape.txt", action: "NEW", content: "x" }),
        reason: /not written: the path has a '\.\.' segment/,
      },
      {
        kind: "a .. segment that would stay inside",
        file: () => ({ path: "src/../src/a.ts", action: "MODIFY", content: "x" }),
        reason: /not written: the path has a '\.\.' segment/,
      },
      {
        kind: "a path into .git",
        file: () => ({ path: ".git/config", action: "MODIFY", content: "x" }),
        reason: /not written: inside \.git\//,
      },
      {
        kind: "a path into .GIT in another case",
        file: () => ({ path: ".GIT/hooks/pre-commit", action: "NEW", content: "x" }),
        reason: /not written: inside \.git\//,
      },
      {
        kind: "a folder symlinked outside the worktree",
        file: () => ({ path: "src/out/pwned.txt", action: "NEW", content: "x" }),
        reason: /not written: a folder on its way is a symbolic link leading outside the worktree/,
      },
      {
        kind: "a DELETE through a folder symlinked outside",
        file: () => ({ path: "src/out/secret.txt", action: "DELETE", content: "" }),
        reason: /not written: a folder on its way is a symbolic link leading outside the worktree/,
      },
      {
        kind: "a file that is a symlink to a file outside",
        file: () => ({ path: "src/link.ts", action: "MODIFY", content: "x" }),
        reason: /not written: the file is a symbolic link/,
      },
      {
        kind: "a DELETE of a path the spec modifies",
        file: () => ({ path: "src/a.ts", action: "DELETE", content: "" }),
        spec: "MODIFY",
        reason: /"src\/a.ts" not written: the spec says MODIFY, the coder answered "DELETE"/,
      },
      {
        kind: "a write of a path the spec deletes",
        file: () => ({ path: "docs/old.md", action: "MODIFY", content: "kept\n" }),
        spec: "DELETE",
        reason: /"docs\/old.md" not written: the spec says DELETE, the coder answered "MODIFY"/,
      },
    ];

    for (const { kind, file, spec, reason } of refusals) {
      it(kind, async () => {
        symlinkSync(outside, join(worktree.path, "src/out"));
        symlinkSync(join(outside, "secret.txt"), join(worktree.path, "src/link.ts"));
        const proposed = file();
        const allowed: AllowedFile[] =
          spec === "unlisted" ? [] : [{ path: proposed.path, action: spec ?? proposed.action }];
        const statusBefore = await worktreeStatus();
        const gitConfigBefore = readFileSync(join(repo, ".git", "config"), "utf8");

        const outcome = await writeCoderFiles(worktree, allowed, [proposed]);

        expect(outcome.written).toEqual([]);
        expect(outcome.deviations).toHaveLength(1);
        expect(outcome.deviations[0]).toMatch(reason);
        expect(await worktreeStatus()).toBe(statusBefore);
        expect(readdirSync(outside)).toEqual(["secret.txt"]);
        expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("do not touch\n");
        expect(readdirSync(base).sort()).toEqual([
          expect.stringMatching(/^outside-/),
          "repo",
          "worktrees",
        ]);
        expect(readFileSync(join(repo, ".git", "config"), "utf8")).toBe(gitConfigBefore);
        for (const [path, content] of Object.entries(HEAD_FILES)) expect(read(path)).toBe(content);
      });
    }
  });

  it("never writes into .git, even where .git is a real folder", async () => {
    // In a worktree `.git` is a file, so a write would fail anyway; in a main checkout it is not.
    const configBefore = readFileSync(join(repo, ".git", "config"), "utf8");
    const outcome = await writeCoderFiles(
      { path: repo },
      [{ path: ".git/config", action: "MODIFY" }],
      [{ path: ".git/config", action: "MODIFY", content: "[core]\n\tfsmonitor = evil\n" }],
    );
    expect(outcome.written).toEqual([]);
    expect(readFileSync(join(repo, ".git", "config"), "utf8")).toBe(configBefore);
  });

  it("refuses a folder symlinked into .git", async () => {
    symlinkSync(join(repo, ".git"), join(repo, "gitlink"));
    try {
      const outcome = await writeCoderFiles(
        { path: repo },
        [{ path: "gitlink/hooks/pre-commit", action: "NEW" }],
        [{ path: "gitlink/hooks/pre-commit", action: "NEW", content: "#!/bin/sh\n" }],
      );
      expect(outcome.deviations[0]).toMatch(/symbolic link leading into \.git/);
      expect(existsSync(join(repo, ".git", "hooks", "pre-commit"))).toBe(false);
    } finally {
      rmSync(join(repo, "gitlink"));
    }
  });

  it("writes a NEW/MODIFY mix-up as a whole file and notes it", async () => {
    const outcome = await writeCoderFiles(
      worktree,
      [{ path: "src/fresh.ts", action: "NEW" }],
      [{ path: "src/fresh.ts", action: "MODIFY", content: "export {};\n" }],
    );
    expect(outcome.written).toEqual(["src/fresh.ts"]);
    expect(outcome.deviations).toEqual([
      '"src/fresh.ts": the spec says NEW, the coder answered "MODIFY"; written as a whole file',
    ]);
    expect(read("src/fresh.ts")).toBe("export {};\n");
  });

  it("uses the first of two answers for one path", async () => {
    const outcome = await writeCoderFiles(
      worktree,
      [{ path: "src/a.ts", action: "MODIFY" }],
      [
        { path: "src/a.ts", action: "MODIFY", content: "first\n" },
        { path: "./src/a.ts", action: "MODIFY", content: "second\n" },
      ],
    );
    expect(outcome.written).toEqual(["src/a.ts"]);
    expect(outcome.deviations).toEqual([
      '"./src/a.ts" not written: proposed more than once; the first was used',
    ]);
    expect(read("src/a.ts")).toBe("first\n");
  });

  it("records a DELETE of a file that is not there", async () => {
    const outcome = await writeCoderFiles(
      worktree,
      [{ path: "src/gone.ts", action: "DELETE" }],
      [{ path: "src/gone.ts", action: "DELETE", content: "" }],
    );
    expect(outcome).toEqual({
      written: [],
      deviations: ['"src/gone.ts" not written: DELETE of a file that does not exist at HEAD'],
    });
  });

  it("quotes a path so the control characters in it cannot pose as report text", async () => {
    const outcome = await writeCoderFiles(
      worktree,
      [],
      [{ path: "x\n## Summary\nAll good", action: "NEW", content: "" }],
    );
    expect(outcome.deviations).toEqual([
      '"x\\n## Summary\\nAll good" not written: not in the spec\'s file list',
    ]);
  });
});
