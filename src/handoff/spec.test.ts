import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inputError } from "../../test/support/errors.js";
import { type CodeSpec, checkSpec, type SpecDraft, type SpecFile } from "./spec.js";
import { checkRelativePath } from "./spec-paths.js";

/** A project with src/existing.ts, src/folder/ and a symlink leading out of it. */
function makeProject(): string {
  const root = mkdtempSync(join(tmpdir(), "spec-project-"));
  mkdirSync(join(root, "src", "folder"), { recursive: true });
  writeFileSync(join(root, "src", "existing.ts"), "export const x = 1;\n");
  const outside = mkdtempSync(join(tmpdir(), "spec-outside-"));
  symlinkSync(outside, join(root, "escape"));
  symlinkSync(join(root, "nowhere-target"), join(root, "dangling"));
  return root;
}

const file = (over: Partial<SpecFile> = {}): SpecFile => ({
  path: "src/existing.ts",
  action: "MODIFY",
  change: "export y as well",
  constraints: [],
  ...over,
});

const draft = (over: Partial<SpecDraft> = {}): SpecDraft => ({
  title: "Add y",
  objective: "Callers need y.",
  priority: "P1",
  files: [file()],
  tests: [],
  guardrails: [],
  verification: "npm test",
  ...over,
});

const refusal = (run: () => unknown) => inputError(run, "the spec was accepted");

describe("checkSpec", () => {
  const root = makeProject();

  it("accepts a sound spec and returns it with normalised paths and trimmed text", () => {
    const checked: CodeSpec = checkSpec(
      draft({
        verification: "  npm test  ",
        files: [
          file({ path: "./src//existing.ts" }),
          file({ path: "src\\new.ts", action: "NEW" }),
          file({ path: "src/folder/../existing2.ts", action: "NEW" }),
        ],
      }),
      root,
    );
    expect(checked.verification).toBe("npm test");
    expect(checked.files.map((f) => f.path)).toEqual([
      "src/existing.ts",
      "src/new.ts",
      "src/existing2.ts",
    ]);
  });

  it.each([undefined, null, "", "   \n"])(
    "refuses a spec without a verification command (%j), saying it cannot be verified",
    (verification) => {
      const error = refusal(() => checkSpec(draft({ verification }), root));
      expect(error.field).toBe("spec.verification");
      expect(error.message).toMatch(
        /^spec\.verification: .*a spec that cannot be verified is refused/,
      );
    },
  );

  it("refuses a spec with no files", () => {
    const error = refusal(() => checkSpec(draft({ files: [] }), root));
    expect(error.field).toBe("spec.files");
    expect(error.message).toMatch(/empty/);
  });

  it.each([
    ["an absolute path", file({ path: "/etc/passwd" }), /"\/etc\/passwd" is absolute/],
    ["a Windows drive path", file({ path: "C:\\src\\a.ts" }), /"C:\\src\\a.ts" is absolute/],
    [
      "a .. escape",
      file({ path: "src/../../secrets.txt" }),
      /"src\/\.\.\/\.\.\/secrets\.txt" leaves the project/,
    ],
    [
      "a backslash .. escape",
      file({ path: "..\\other\\a.ts", action: "NEW" }),
      /leaves the project/,
    ],
    ["a path into .git/", file({ path: ".git/config" }), /"\.git\/config" points into \.git\//],
    [
      "a nested .GIT folder",
      file({ path: "vendor/.GIT/hooks/x", action: "NEW" }),
      /points into \.git\//,
    ],
    ["the project root itself", file({ path: "./", action: "NEW" }), /names the project root/],
    ["a blank path", file({ path: "  " }), /is blank/],
    [
      "MODIFY of a missing file",
      file({ path: "src/missing.ts" }),
      /"src\/missing\.ts" does not exist in the project; MODIFY/,
    ],
    [
      "DELETE of a missing file",
      file({ path: "old.ts", action: "DELETE" }),
      /"old\.ts" does not exist in the project; DELETE/,
    ],
    [
      "NEW of an existing file",
      file({ path: "src/existing.ts", action: "NEW" }),
      /"src\/existing\.ts" already exists; use MODIFY/,
    ],
    ["MODIFY of a directory", file({ path: "src/folder" }), /"src\/folder" is a directory/],
    [
      "a symlink out of the project",
      file({ path: "escape/new.ts", action: "NEW" }),
      /"escape\/new\.ts" leads outside the project through a symlink/,
    ],
    [
      "a dangling symlink",
      file({ path: "dangling", action: "NEW" }),
      /"dangling" leads outside the project/,
    ],
  ])("refuses %s, naming the field and the path", (_name, bad, message) => {
    const error = refusal(() => checkSpec(draft({ files: [file(), bad] }), root));
    expect(error.field).toBe("spec.files[1].path");
    expect(error.message).toMatch(message);
  });

  it("refuses a file listed twice under two spellings, naming both entries", () => {
    const files = [file(), file({ path: "src/folder/../existing.ts", change: "again" })];
    const error = refusal(() => checkSpec(draft({ files }), root));
    expect(error.field).toBe("spec.files[1].path");
    expect(error.message).toMatch(/"src\/existing\.ts" is listed twice \(also spec\.files\[0\]\)/);
  });

  it.each([
    ["title", draft({ title: " " }), "spec.title"],
    ["objective", draft({ objective: "" }), "spec.objective"],
    ["change", draft({ files: [file({ change: "\n" })] }), "spec.files[0].change"],
  ])("refuses a blank %s", (_name, bad, field) => {
    expect(refusal(() => checkSpec(bad, root)).field).toBe(field);
  });

  it("refuses an unknown priority or action, naming the field", () => {
    const priority = "P9" as CodeSpec["priority"];
    expect(refusal(() => checkSpec(draft({ priority }), root)).field).toBe("spec.priority");
    const action = "RENAME" as SpecFile["action"];
    const files = [file({ action })];
    expect(refusal(() => checkSpec(draft({ files }), root)).field).toBe("spec.files[0].action");
  });

  it("prefixes field names as the caller asks: a batch entry, or none for top-level input", () => {
    const files = [file({ path: "../x" })];
    expect(refusal(() => checkSpec(draft({ files }), root, "specs[2]")).field).toBe(
      "specs[2].files[0].path",
    );
    expect(refusal(() => checkSpec(draft({ verification: "" }), root, "")).field).toBe(
      "verification",
    );
  });
});

describe("checkRelativePath", () => {
  it("gives one spelling for equivalent paths", () => {
    for (const raw of ["src/a.ts", "./src/a.ts", "src//a.ts", "src/b/../a.ts", " src\\a.ts "]) {
      expect(checkRelativePath(raw)).toEqual({ ok: true, path: "src/a.ts" });
    }
  });

  it("does not mistake a name starting with two dots for an escape", () => {
    expect(checkRelativePath("..config/a.ts")).toEqual({ ok: true, path: "..config/a.ts" });
    expect(checkRelativePath(".github/workflows/ci.yml")).toMatchObject({ ok: true });
  });
});
