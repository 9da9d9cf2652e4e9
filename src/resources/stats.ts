import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AppContext } from "../context.js";
import { buildStats, parseSince } from "../stats/report.js";
import { toolListChars } from "../tools/index.js";

export const STATS_URI = "squad://stats";
const WINDOW_MS = parseSince("7d");

/** `squad://stats`: the last 7 days of `squad-mcp stats --json`, recomputed on every read. */
export function registerStatsResource(server: McpServer, ctx: AppContext): void {
  server.registerResource(
    "stats",
    STATS_URI,
    {
      title: "Squad stats (7 days)",
      description:
        "Per worker × category over the last 7 days: tasks, success rate, mean latency, tokens, estimated cost; the host's ledger: gross saving, costs, net.",
      mimeType: "application/json",
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: "application/json",
          text: JSON.stringify(buildStats(ctx, ctx.now() - WINDOW_MS, toolListChars()), null, 2),
        },
      ],
    }),
  );
}
