/**
 * validate_output's own overhead (issue 4's benchmark): one `true` command as the only check,
 * no model backend usable, so the figure is what squad-mcp adds around a check that costs
 * nothing — policy, the command runner, the digest, the verdict and its row in SQLite.
 */
import type { Row } from "./report.js";
import { latency } from "./report.js";
import { startSquadServer } from "./squad-server.js";
import { type Summary, summarize } from "./stats.js";

const WARMUP = 5;
const CALLS = 50;

export interface ValidateFigures {
  calls: number;
  summary: Summary;
}

export async function measureValidateOverhead(): Promise<ValidateFigures> {
  const server = await startSquadServer();
  try {
    const args = { task: "say ok", output: "ok", checks: { commands: ["true"] } };
    const samples: number[] = [];
    for (let call = 0; call < WARMUP + CALLS; call++) {
      const started = performance.now();
      const result = await server.client.callTool({ name: "validate_output", arguments: args });
      const wallMs = performance.now() - started;
      const verdict = result.structuredContent as { pass?: boolean; validator?: string };
      // Checks only: no validator judged it, so the result names none.
      if (result.isError || verdict.pass !== true || verdict.validator !== undefined) {
        throw new Error(
          `validate_output did not give a checks-only pass: ${JSON.stringify(result)}`,
        );
      }
      if (call >= WARMUP) samples.push(wallMs);
    }
    return { calls: CALLS, summary: summarize(samples) };
  } finally {
    await server.close();
  }
}

export function validateRows(figures: ValidateFigures): Row[] {
  return [
    {
      measure: `\`validate_output\` overhead: one \`true\` check, no model, round trip over stdio (${figures.calls} calls)`,
      figure: latency(figures.summary),
      budget: "—",
      result: "",
    },
  ];
}
