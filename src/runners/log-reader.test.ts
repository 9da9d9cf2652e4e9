import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLogSample } from "./log-reader.js";

const dir = mkdtempSync(join(tmpdir(), "log-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function log(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe("readLogSample", () => {
  it("reads a log that fits whole", async () => {
    const sample = await readLogSample(log("small.log", "one\ntwo\n"), 4, 100);
    expect(sample).toEqual({ head: "", tail: "one\ntwo\n", bytes: 8, skippedBytes: 0 });
  });

  it("cuts head and tail at line breaks and counts what lies between", async () => {
    const file = log("lines.log", "aaaa\nbbbb\ncccc\ndddd\neeee\n");
    const sample = await readLogSample(file, 7, 7);
    expect(sample).toEqual({ head: "aaaa\n", tail: "eeee\n", bytes: 25, skippedBytes: 15 });
  });

  it("never splits a UTF-8 character, whatever the byte counts", async () => {
    const text = "é€😀".repeat(400);
    const file = log("utf8.log", text);
    for (let head = 0; head <= 12; head++) {
      for (let tail = 1; tail <= 12; tail++) {
        const sample = await readLogSample(file, head, tail);
        expect(sample.head + sample.tail).not.toContain("\uFFFD");
        expect(text.startsWith(sample.head)).toBe(true);
        expect(text.endsWith(sample.tail)).toBe(true);
        const kept = Buffer.byteLength(sample.head) + Buffer.byteLength(sample.tail);
        expect(sample.skippedBytes).toBe(sample.bytes - kept);
      }
    }
  });

  it("keeps whole characters of a tail when no line break is near the end", async () => {
    expect(await readLogSample(log("tail.log", "ééééé"), 0, 5)).toMatchObject({
      bytes: 10,
      tail: "éé",
    });
  });

  it("reads a large log in bounded pieces", async () => {
    const line = `${"x".repeat(99)}\n`;
    const file = log("large.log", line.repeat(5_000));
    const sample = await readLogSample(file, 1_050, 2_050);
    expect(sample.head).toBe(line.repeat(10));
    expect(sample.tail).toBe(line.repeat(20));
    expect(sample.skippedBytes).toBe(500_000 - 3_000);
  });

  it("throws for a missing log", async () => {
    await expect(readLogSample(join(dir, "missing.log"), 10, 10)).rejects.toThrow(/ENOENT/);
  });
});
