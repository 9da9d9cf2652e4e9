import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestLogFile } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/digests/", import.meta.url));
const MB = 1024 * 1024;

describe("digestLogFile", () => {
  let dir: string;
  let log: string;

  beforeAll(() => {
    // 50 MB of test chatter, then a real pytest run's failures and summary at the end.
    dir = mkdtempSync(join(tmpdir(), "digest-log-"));
    log = join(dir, "task.log");
    const fd = openSync(log, "w");
    const chunk = Buffer.from(
      "tests/test_load.py::test_bulk_insert PASSED [ 42%] batch ok\n".repeat(MB / 64),
    );
    for (let written = 0; written < 50 * MB; written += chunk.length) writeSync(fd, chunk);
    writeSync(fd, readFileSync(join(FIXTURES, "pytest-large-failing.txt")));
    closeSync(fd);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("digests a 50 MB log from its head and tail, naming what it did not read", async () => {
    const digest = await digestLogFile(
      log,
      { command: "python -m pytest", exitCode: 1 },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.tool).toBe("pytest");
    expect(digest.counts).toEqual({ failed: 26, passed: 285, skipped: 7 });
    expect(digest.failures).toHaveLength(26);
    expect(digest.failures.map((f) => f.id)).toContain(
      "tests/test_mod05.py::test_case_30_handles_input_530[2-2.5]",
    );
    expect(digest.text.split("\n")[0]).toMatch(/\(exit 1, 4[5-7]\.\d MB of log not read\)$/);
    expect(digest.text.length).toBeLessThanOrEqual(2000);
  });

  it("reads a small log whole", async () => {
    const small = join(dir, "small.log");
    const fd = openSync(small, "w");
    writeSync(fd, readFileSync(join(FIXTURES, "jest-npm-test-failing.txt")));
    closeSync(fd);
    const digest = await digestLogFile(
      small,
      { command: "npm test", exitCode: 1 },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.tool).toBe("jest");
    expect(digest.text.split("\n")[0]).toBe(
      "jest: 2 failed, 3 passed, 1 skipped, 1 failed suite (exit 1)",
    );
  });

  it("does not open a log the caller measured as empty, and digests it as no output", async () => {
    const options = { maxChars: 2000, maxFailures: 30 };
    const input = { command: "true", exitCode: 0 };
    const missing = join(dir, "never-written.log");
    const empty = join(dir, "empty.log");
    closeSync(openSync(empty, "w"));
    await expect(digestLogFile(missing, input, options)).rejects.toThrow(/ENOENT/);
    expect(await digestLogFile(missing, input, options, 0)).toEqual(
      await digestLogFile(empty, input, options),
    );
  });
});
