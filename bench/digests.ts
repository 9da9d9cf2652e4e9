import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Digest, digestOutput, type ToolName } from "../src/squad/digest/index.js";
import { type ManifestEntry, readManifest } from "../test/support/digest-fixtures.js";

/** The config defaults the host sees in practice. */
export const OPTIONS = { maxChars: 2000, maxFailures: 30 };

export interface DigestBenchRow {
  fixture: string;
  tool: ToolName | null;
  rawBytes: number;
  returnedBytes: number;
  /** returnedBytes ÷ rawBytes (an empty output counts as one byte). */
  ratio: number;
  /** Failing test ids, or for checkers and linters the files with problems. */
  failingIds: number;
  /** How many of those the digest's `failures` names. */
  keptIds: number;
}

/** Expected ids: test ids for runners, file paths for checkers (whose ids are files). */
export function expectedIds(entry: ManifestEntry): string[] {
  if (entry.failing) return entry.failing;
  const files = entry.files ?? (entry.problems ?? []).map((p) => p.slice(0, p.lastIndexOf(":")));
  return [...new Set(files)];
}

export function keptIds(expected: string[], digest: Digest): number {
  const ids = new Set(digest.failures.map((f) => f.id));
  return expected.filter((id) => ids.has(id)).length;
}

/** Raw bytes against returned bytes, and failing ids kept, for every fixture in the manifest. */
export function benchDigests(fixtureDir: string): DigestBenchRow[] {
  return Object.entries(readManifest(fixtureDir)).map(([fixture, entry]) => {
    const raw = readFileSync(join(fixtureDir, fixture));
    const input = {
      command: entry.command,
      output: raw.toString("utf8"),
      exitCode: entry.exitCode,
    };
    const digest = digestOutput(input, OPTIONS);
    const returnedBytes = Buffer.byteLength(digest.text);
    const expected = expectedIds(entry);
    return {
      fixture,
      tool: digest.tool,
      rawBytes: raw.length,
      returnedBytes,
      ratio: returnedBytes / Math.max(1, raw.length),
      failingIds: expected.length,
      keptIds: keptIds(expected, digest),
    };
  });
}
