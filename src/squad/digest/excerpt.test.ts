import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cleanLines } from "./clean.js";
import { errorLines } from "./excerpt.js";
import { digestOutput } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/digests/", import.meta.url));
const OPTIONS = { maxChars: 2000, maxFailures: 30 };

describe("digesting output from an unknown tool", () => {
  it("keeps an error from early on and the traceback at the end", () => {
    const output = readFileSync(`${FIXTURES}unknown-python-traceback.txt`, "utf8");
    const digest = digestOutput(
      { command: "/usr/bin/python3 migrate.py", output, exitCode: 1 },
      OPTIONS,
    );
    expect(digest.tool).toBeNull();
    expect(digest.text.split("\n")[0]).toMatch(/^python3: exit 1, \d+ lines of output, unparsed$/);
    expect(digest.text).toContain(
      "error: batch 250: deadlock detected, retrying in 1s (attempt 1/3)",
    );
    expect(digest.text).toContain("Traceback (most recent call last):");
    expect(digest.text.trimEnd().split("\n").pop()).toBe(
      "TypeError: object of type 'NoneType' has no len()",
    );
    expect(Buffer.byteLength(digest.text)).toBeLessThanOrEqual(Buffer.byteLength(output) * 0.05);
  });

  it("shows at most 40 lines of the tail, however much room is left", () => {
    const output = `${Array.from({ length: 20_000 }, (_, i) => String(i + 1)).join("\n")}\nthe end\n`;
    const digest = digestOutput({ command: "seq 1 20000", output, exitCode: 1 }, OPTIONS);
    const lines = digest.text.split("\n");
    expect(lines.slice(-2)).toEqual(["20000", "the end"]);
    expect(lines.length).toBeLessThanOrEqual(42);
    expect(lines).toContain("19962");
    expect(lines).not.toContain("19961");
  });

  it("lists repeated error lines once, with how often they came", () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(`processed record ${i}`);
      if (i % 500 === 7) lines.push(`ERROR: record ${i} has no id`);
      if (i === 1234) lines.push("FATAL: disk quota exceeded on /var/data");
    }
    lines.push("shutting down", "bye");
    const digest = digestOutput(
      { command: "./import.sh", output: lines.join("\n"), exitCode: 3 },
      OPTIONS,
    );
    expect(digest.text).toContain("ERROR: record 7 has no id (×6)");
    expect(digest.text).toContain("FATAL: disk quota exceeded on /var/data");
    expect(digest.text.match(/has no id/g)).toHaveLength(1);
    expect(digest.text).toMatch(/last lines:\n(?:.*\n)*shutting down\nbye$/);
  });

  it("counts npm's ERR! lines as errors", () => {
    const output = [
      "> app@1.0.0 build",
      "> webpack",
      ...Array(200).fill("asset main.js 1 KiB"),
      "npm ERR! code ELIFECYCLE",
      ...Array(40).fill("  at x"),
    ].join("\n");
    const digest = digestOutput(
      { command: "npm run build", output, exitCode: 1 },
      { maxChars: 300, maxFailures: 30 },
    );
    expect(digest.text).toContain("error lines:\nnpm ERR! code ELIFECYCLE");
  });

  it("does not count a line that says there were no errors", () => {
    const output = ["compiling 12 files", "0 errors, 2 warnings", "done"].join("\n");
    const digest = digestOutput({ command: "make", output, exitCode: 2 }, OPTIONS);
    expect(digest.text).not.toContain("error lines:");
  });

  it("shows a progress line as it was last drawn and strips colours", () => {
    const output =
      "\u001b[32mDownloading 10%\rDownloading 55%\rDownloading 100%\u001b[0m\nerror: checksum mismatch\n";
    const digest = digestOutput({ command: "./fetch", output, exitCode: 1 }, OPTIONS);
    expect(digest.text).toContain("Downloading 100%");
    expect(digest.text).not.toContain("10%");
    expect(digest.text).not.toContain("\u001b");
    expect(digest.text).toContain("error: checksum mismatch");
  });

  it("does not take passing tests, package names or file names for errors", () => {
    const read = (name: string) =>
      errorLines(cleanLines(readFileSync(`${FIXTURES}${name}`, "utf8"))).map((e) => e.text);
    const tap = read("node-test-commander-tap.txt");
    expect(tap.filter((line) => /^(?:ok \d+ - |# Subtest: )/.test(line))).toEqual([]);
    expect(tap).toContain("error: '1 subtest failed'");
    const npmLs = read("unknown-npm-ls-missing.txt");
    expect(npmLs.filter((line) => line.includes("assertion-error@"))).toEqual([]);
    expect(npmLs).toContain("npm error code ELSPROBLEMS");
    expect(errorLines(["node_modules/@types/node/errors.d.ts", "src/errors.ts:3 ok"])).toEqual([]);
  });

  it("keeps the error lines that name a place first when not all fit", () => {
    const output = [
      ...Array.from({ length: 40 }, (_, i) => `warning: retry ${i} failed, will retry`),
      "src/db/pool.ts:88:13 - error: pool exhausted",
      ...Array.from({ length: 200 }, (_, i) => `step ${i}`),
    ].join("\n");
    const digest = digestOutput(
      { command: "./run.sh", output, exitCode: 1 },
      { maxChars: 300, maxFailures: 30 },
    );
    expect(digest.text).toMatch(/error lines:\nsrc\/db\/pool\.ts:88:13 - error: pool exhausted/);
  });

  it("keeps the head of output that lists the newest first", () => {
    const output = readFileSync(`${FIXTURES}unknown-git-log-stat.txt`, "utf8");
    const digest = digestOutput({ command: "git log --stat -20", output, exitCode: 0 }, OPTIONS);
    expect(digest.text.split("\n").slice(0, 3)).toEqual([
      "git: exit 0, 415 lines of output, unparsed",
      "first lines:",
      "commit ba6d13ddb4243e5913367734f8c159089ffe7834",
    ]);
    expect(digest.text).not.toContain("last lines:");
    expect(Buffer.byteLength(digest.text)).toBeLessThanOrEqual(output.length * 0.05);
  });
});
