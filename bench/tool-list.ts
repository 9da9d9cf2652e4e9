/**
 * The size of tools/list as a client receives it (DESIGN: ≤ 12 KB of JSON for all tools), and
 * the part of it a host model is actually sent (name, description and input schema per tool).
 */
import type { Row } from "./report.js";
import { thousands, verdict } from "./report.js";
import { startSquadServer } from "./squad-server.js";

export const TOOL_LIST_BUDGET_BYTES = 12 * 1024;

export interface ToolListFigures {
  tools: number;
  /** JSON.stringify of the `tools` array, in bytes (UTF-8). */
  bytes: number;
  /** name + description + inputSchema per tool, as a host's tool definitions carry them. */
  hostBytes: number;
  largest: { name: string; bytes: number };
}

export async function measureToolList(): Promise<ToolListFigures> {
  const server = await startSquadServer();
  try {
    const { tools } = await server.client.listTools();
    const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
    const sized = tools.map((tool) => ({ name: tool.name, bytes: size(tool) }));
    const largest = sized.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    return {
      tools: tools.length,
      bytes: size(tools),
      hostBytes: size(
        tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
      ),
      largest,
    };
  } finally {
    await server.close();
  }
}

export function toolListRows(figures: ToolListFigures): Row[] {
  return [
    {
      measure: `\`tools/list\`: JSON of all ${figures.tools} tools (largest: ${figures.largest.name}, ${thousands(figures.largest.bytes)} bytes)`,
      figure: `${thousands(figures.bytes)} bytes; of which a host model is sent (name, description, input schema) ${thousands(figures.hostBytes)}`,
      budget: `≤ ${thousands(TOOL_LIST_BUDGET_BYTES)} bytes`,
      result: verdict(figures.bytes, TOOL_LIST_BUDGET_BYTES),
    },
  ];
}
