import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserInputError } from "../errors.js";
import {
  patchFilePath,
  reportFilePath,
  reportUri,
  specFilePath,
  specUri,
  writeReportFiles,
  writeSpecFiles,
} from "./spec-files.js";

const project = () => mkdtempSync(join(tmpdir(), "spec-files-"));

describe("spec files", () => {
  it("writes the spec to .squad/specs/CS-NNN.md, creating the folders", () => {
    const root = project();
    const path = writeSpecFiles(root, "CS-003", "# Code Spec CS-003 — x\n");
    expect(path).toBe(join(root, ".squad", "specs", "CS-003.md"));
    expect(readFileSync(path, "utf8")).toBe("# Code Spec CS-003 — x\n");
    expect(readdirSync(join(root, ".squad", "specs"))).toEqual(["CS-003.md"]);
  });

  it("keeps .squad/ out of git with its own .gitignore, and leaves an edited one alone", () => {
    const root = project();
    writeSpecFiles(root, "CS-001", "a");
    const ignore = join(root, ".squad", ".gitignore");
    expect(readFileSync(ignore, "utf8")).toMatch(/^\*$/m);
    writeFileSync(ignore, "*\n!keep.md\n");
    writeSpecFiles(root, "CS-002", "b");
    expect(readFileSync(ignore, "utf8")).toBe("*\n!keep.md\n");
  });

  it("writes the report and patch beside the spec, replacing an earlier run's", () => {
    const root = project();
    writeReportFiles(root, "CS-001", "old report", "old patch");
    const paths = writeReportFiles(root, "CS-001", "# Code Report — CS-001\n", "diff --git a b\n");
    expect(paths).toEqual({
      reportPath: reportFilePath(root, "CS-001"),
      patchPath: patchFilePath(root, "CS-001"),
    });
    expect(paths.reportPath).toBe(join(root, ".squad", "specs", "CS-001.report.md"));
    expect(paths.patchPath).toBe(join(root, ".squad", "specs", "CS-001.patch"));
    expect(readFileSync(paths.reportPath, "utf8")).toBe("# Code Report — CS-001\n");
    expect(readFileSync(paths.patchPath ?? "(no patch)", "utf8")).toBe("diff --git a b\n");
    expect(readdirSync(join(root, ".squad", "specs")).filter((f) => f.endsWith(".tmp"))).toEqual(
      [],
    );
  });

  it("names specs and reports as squad:// resources", () => {
    expect(specUri("CS-012")).toBe("squad://specs/CS-012");
    expect(reportUri("CS-012")).toBe("squad://specs/CS-012/report");
  });

  it.each(["../../etc/passwd", "CS-1", "CS-001/../x", "cs-001", ""])(
    "refuses %j as a spec id before it becomes a file name",
    (id) => {
      const root = project();
      expect(() => writeSpecFiles(root, id, "x")).toThrow(UserInputError);
      expect(() => specFilePath(root, id)).toThrow(/spec_id: .* is not a spec id like CS-001/);
      expect(() => specUri(id)).toThrow(UserInputError);
      expect(existsSync(join(root, ".squad"))).toBe(false);
    },
  );
});
