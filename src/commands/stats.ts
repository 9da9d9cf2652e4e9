import type { AppContext } from "../context.js";
import { UserInputError } from "../errors.js";
import { buildStats, parseSince, renderStatsTable } from "../stats/report.js";
import { toolListChars } from "../tools/index.js";

export const STATS_USAGE = "usage: squad-mcp stats [--since 7d] [--json]";
const DEFAULT_SINCE = "7d";

/**
 * `squad-mcp stats [--since <30m|24h|7d|2w>] [--json]`: the table (or JSON) of how the
 * workers did since then. Code 2 with a message on bad arguments.
 */
export function statsCommand(ctx: AppContext, args: string[]): { code: number; output: string } {
  let since = DEFAULT_SINCE;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--json") {
      json = true;
    } else if (arg === "--since") {
      const value = args[i + 1];
      if (value === undefined || value.startsWith("--")) {
        return { code: 2, output: `--since needs a duration, e.g. --since 7d\n${STATS_USAGE}` };
      }
      since = value;
      i++;
    } else if (arg.startsWith("--since=")) {
      since = arg.slice("--since=".length);
    } else {
      return { code: 2, output: `unknown option '${arg}' for stats\n${STATS_USAGE}` };
    }
  }
  let windowMs: number;
  try {
    windowMs = parseSince(since);
  } catch (error) {
    if (error instanceof UserInputError) return { code: 2, output: error.message };
    throw error;
  }
  const stats = buildStats(ctx, ctx.now() - windowMs, toolListChars());
  return { code: 0, output: json ? JSON.stringify(stats, null, 2) : renderStatsTable(stats) };
}
