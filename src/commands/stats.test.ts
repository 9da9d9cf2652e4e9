import { describe, expect, it } from "vitest";
import { tempContexts } from "../../test/support/temp-context.js";
import type { AppContext } from "../context.js";
import type { StatsReport } from "../stats/report.js";
import { STATS_USAGE, statsCommand } from "./stats.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);

const openContext = tempContexts("squad-stats-command-test-");

/** Outcomes for flash 1, 6 and 10 days ago, and for pro 20 days ago. */
function makeContext(): AppContext {
  const ctx = openContext(NOW);
  const log = (worker: string, daysAgo: number, success: boolean) =>
    ctx.store.outcomes.log({
      decisionId: null,
      task: null,
      worker,
      category: "tests",
      success,
      score: null,
      notes: null,
      latencyMs: 100,
      tokensIn: 1000,
      tokensOut: 100,
      source: "host",
      at: NOW - daysAgo * DAY,
    });
  log("flash", 1, true);
  log("flash", 6, false);
  log("flash", 10, true);
  log("pro", 20, true);
  return ctx;
}

function json(output: string): StatsReport {
  return JSON.parse(output) as StatsReport;
}

describe("statsCommand", () => {
  it("defaults to the last 7 days as a table", () => {
    const ctx = makeContext();
    const result = statsCommand(ctx, []);
    expect(result.code).toBe(0);
    expect(result.output).toContain(`since ${new Date(NOW - 7 * DAY).toISOString()}`);
    const flash = result.output.split("\n").find((line) => line.startsWith("flash"));
    expect(flash?.split(/\s{2,}/).slice(0, 5)).toEqual(["flash", "tests", "2", "0", "50%"]);
    expect(result.output).not.toMatch(/^pro/m);
    expect(() => JSON.parse(result.output)).toThrow();
  });

  it("prints JSON with --json and honours --since", () => {
    const ctx = makeContext();
    const week = statsCommand(ctx, ["--json"]);
    expect(week.code).toBe(0);
    const weekStats = json(week.output);
    expect(weekStats.since_ms).toBe(NOW - 7 * DAY);
    expect(weekStats.rows).toHaveLength(1);
    expect(weekStats.rows[0]).toMatchObject({ worker: "flash", tasks: 2, successes: 1 });
    expect(Object.keys(weekStats).sort()).toEqual(
      [
        "assumptions",
        "generated_at",
        "rows",
        "since",
        "since_ms",
        "totals",
        "unpriced_workers",
      ].sort(),
    );

    const twoWeeks = json(statsCommand(ctx, ["--since", "2w", "--json"]).output);
    expect(twoWeeks.since_ms).toBe(NOW - 14 * DAY);
    expect(twoWeeks.rows[0]).toMatchObject({ worker: "flash", tasks: 3, successes: 2 });
    expect(twoWeeks.rows).toHaveLength(1);

    const month = json(statsCommand(ctx, ["--json", "--since=30d"]).output);
    expect(month.rows.map((row) => row.worker)).toEqual(["flash", "pro"]);

    const hours = json(statsCommand(ctx, ["--since", "36h", "--json"]).output);
    expect(hours.rows[0]).toMatchObject({ worker: "flash", tasks: 1, successes: 1 });
  });

  it("says when the window holds nothing", () => {
    const ctx = makeContext();
    const result = statsCommand(ctx, ["--since", "30m"]);
    expect(result.code).toBe(0);
    expect(result.output).toContain(
      `no outcomes recorded since ${new Date(NOW - 30 * 60_000).toISOString()}`,
    );
  });

  it.each([
    [["--bogus"], "unknown option '--bogus' for stats"],
    [["7d"], "unknown option '7d' for stats"],
    [["--since"], "--since needs a duration"],
    [["--since", "--json"], "--since needs a duration"],
    [["--since", "week"], "--since: 'week' is not a duration"],
    [["--since=0d"], "--since: '0d' is not a duration"],
  ])("exits 2 on %j", (args, message) => {
    const ctx = makeContext();
    const result = statsCommand(ctx, args);
    expect(result.code).toBe(2);
    expect(result.output).toContain(message);
    if (!message.startsWith("--since:")) expect(result.output).toContain(STATS_USAGE);
  });
});
