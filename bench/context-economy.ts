/**
 * Context economy: over every fixture in test/fixtures/digests, what the host reads of a
 * digest against what it would have read running the command itself, and against the runner's
 * own quiet or agent mode where a fixture holds one. `node build/bench/context-economy.js` runs
 * it alone; `npm run bench` includes it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { digestOutput } from "../src/squad/digest/index.js";
import { type ManifestEntry, readManifest } from "../test/support/digest-fixtures.js";
import { PACKAGE_ROOT } from "../test/support/server.js";
import { keptIds, OPTIONS } from "./digests.js";
import { markdownGrid, markdownTable, type Row, thousands, verdict } from "./report.js";

/** What Claude Code keeps of a Bash tool's output by default (`BASH_MAX_OUTPUT_LENGTH`). */
export const BASH_CAP_CHARS = 30_000;

export const ECONOMY_BUDGET = {
  /**
   * Of raw bytes, for outputs over `largeOverBytes`, with every failing id kept. A share of 2 %
   * cannot hold with every id: the ids alone often take more (the `idsShare` row shows it).
   */
  shareOfRaw: 0.1,
  /** The share the ids alone are compared with. */
  idsShare: 0.02,
  largeOverBytes: 20_000,
  idsKept: 1,
};

export interface EconomyRow {
  fixture: string;
  tool: string | null;
  rawBytes: number;
  /** The raw output's characters, capped as Claude Code caps a Bash result. */
  cappedChars: number;
  /** The digest's text as JSON, the stand-in for what a host reading structuredContent gets. */
  hostChars: number;
  failingIds: number;
  /** The failing ids alone, one per line, as a JSON string: the least a digest keeping them reads. */
  idsChars: number;
  keptIds: number;
  /** The runner's quiet or agent mode for the same run, when a fixture holds it. */
  quiet?: { fixture: string; cappedChars: number };
}

function read(dir: string, fixture: string): string {
  return readFileSync(join(dir, fixture), "utf8");
}

function rowOf(dir: string, fixture: string, entry: ManifestEntry, quietOf: Map<string, string>) {
  const output = read(dir, fixture);
  const digest = digestOutput(
    { command: entry.command, output, exitCode: entry.exitCode },
    OPTIONS,
  );
  // Test ids only: a checker's digest names its first problems' files, the rest by count.
  const expected = entry.failing ?? [];
  const row: EconomyRow = {
    fixture,
    tool: digest.tool,
    rawBytes: Buffer.byteLength(output),
    cappedChars: Math.min(output.length, BASH_CAP_CHARS),
    hostChars: JSON.stringify(digest.text).length,
    failingIds: expected.length,
    idsChars: JSON.stringify(expected.join("\n")).length,
    keptIds: keptIds(expected, digest),
  };
  const quiet = quietOf.get(fixture);
  if (quiet !== undefined) {
    const quietOutput = read(dir, quiet);
    row.quiet = { fixture: quiet, cappedChars: Math.min(quietOutput.length, BASH_CAP_CHARS) };
  }
  return row;
}

export function measureContextEconomy(
  dir: string = join(PACKAGE_ROOT, "test", "fixtures", "digests"),
): EconomyRow[] {
  const manifest = readManifest(dir);
  const quietOf = new Map<string, string>();
  for (const [fixture, entry] of Object.entries(manifest)) {
    if (entry.quietModeOf) quietOf.set(entry.quietModeOf, fixture);
  }
  return Object.entries(manifest).map(([fixture, entry]) => rowOf(dir, fixture, entry, quietOf));
}

function percent(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

function isLarge(row: EconomyRow): boolean {
  return row.rawBytes > ECONOMY_BUDGET.largeOverBytes;
}

export function economyRows(rows: EconomyRow[]): Row[] {
  const large = rows
    .filter(isLarge)
    .sort((a, b) => b.hostChars / b.rawBytes - a.hostChars / a.rawBytes);
  const worst = large[0];
  const total = (list: EconomyRow[], key: "rawBytes" | "cappedChars" | "hostChars") =>
    list.reduce((n, row) => n + row[key], 0);
  const failing = rows.reduce((n, row) => n + row.failingIds, 0);
  const kept = rows.reduce((n, row) => n + row.keptIds, 0);
  // What the ids alone cost as the host reads them: one per line, as one JSON string.
  const idsOnly = large
    .filter((row) => row.failingIds > 0)
    .map((row) => ({ row, share: row.idsChars / row.rawBytes }))
    .sort((a, b) => b.share - a.share);
  const idsOver = idsOnly.filter((entry) => entry.share > ECONOMY_BUDGET.idsShare);
  const paired = rows.filter((row) => row.quiet !== undefined);
  const losing = paired.filter((row) => row.hostChars >= (row.quiet?.cappedChars ?? 0));
  return [
    {
      measure: `host reads ÷ raw bytes, outputs over 20 kB (${large.length} of ${rows.length} fixtures)`,
      figure: worst
        ? `worst ${percent(worst.hostChars / worst.rawBytes)} (${worst.fixture}); ${thousands(total(large, "hostChars"))} of ${thousands(total(large, "rawBytes"))} in all`
        : "no fixture over 20 kB",
      budget: `≤ ${ECONOMY_BUDGET.shareOfRaw * 100} % each`,
      result: worst ? verdict(worst.hostChars / worst.rawBytes, ECONOMY_BUDGET.shareOfRaw) : "",
    },
    {
      measure: `failing ids alone ÷ raw bytes, outputs over 20 kB with failures (${idsOnly.length})`,
      figure:
        idsOnly[0] === undefined
          ? "no such fixture"
          : `over ${ECONOMY_BUDGET.idsShare * 100} % in ${idsOver.length} of ${idsOnly.length}; worst ${percent(idsOnly[0].share)} (${idsOnly[0].row.fixture})`,
      budget: "—",
      result: "",
    },
    {
      measure: `host reads ÷ raw capped at ${thousands(BASH_CAP_CHARS)} characters (all ${rows.length} fixtures)`,
      figure: `${percent(total(rows, "hostChars") / total(rows, "cappedChars"))} (${thousands(total(rows, "hostChars"))} of ${thousands(total(rows, "cappedChars"))})`,
      budget: "—",
      result: "",
    },
    {
      measure: "failing test ids kept (structured failures, every fixture of a test run)",
      figure: `${kept} of ${failing}`,
      budget: "100 %",
      result:
        kept >= failing * ECONOMY_BUDGET.idsKept ? "pass" : `**over** (${failing - kept} lost)`,
    },
    {
      measure: `host reads vs the runner's own quiet or agent mode, raw (${paired.length} runs)`,
      figure: paired
        .map(
          (row) =>
            `${row.tool}: ${thousands(row.hostChars)} vs ${thousands(row.quiet?.cappedChars ?? 0)}`,
        )
        .join("; "),
      budget: "smaller on every run",
      result:
        losing.length === 0 ? "pass" : `**over** (${losing.map((row) => row.fixture).join(", ")})`,
    },
  ];
}

/** Every fixture, one line each. */
export function economyTable(rows: EconomyRow[]): string {
  return markdownGrid(
    [
      "Fixture",
      "Tool",
      "Raw bytes",
      "Host reads",
      "÷ raw",
      "÷ raw capped",
      "Ids kept",
      "Quiet mode raw",
    ],
    rows.map((row) => [
      `\`${row.fixture}\``,
      row.tool ?? "(unparsed)",
      thousands(row.rawBytes),
      thousands(row.hostChars),
      row.rawBytes === 0 ? "—" : percent(row.hostChars / row.rawBytes),
      row.cappedChars === 0 ? "—" : percent(row.hostChars / row.cappedChars),
      row.failingIds === 0 ? "—" : `${row.keptIds} of ${row.failingIds}`,
      row.quiet ? `${thousands(row.quiet.cappedChars)} (\`${row.quiet.fixture}\`)` : "—",
    ]),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = measureContextEconomy();
  process.stdout.write(`${markdownTable(economyRows(rows))}\n\n${economyTable(rows)}\n`);
}
