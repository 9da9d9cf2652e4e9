import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { AppContext } from "../context.js";
import { createServer } from "../server.js";
import { VERSION } from "../version.js";

export interface CallResult {
  ok: boolean;
  /** The structured result as JSON, or the error text. */
  output: string;
}

/**
 * The longest a timer can wait. An in-process call has no client to time out on: it waits for
 * the tool, however long its squad runs, and the store stays open until the tool is done.
 */
const NO_TIMEOUT_MS = 2_147_483_647;

/**
 * One tool call through the real server and the SDK's validation, in this process: what a
 * client would get, without a client.
 */
export async function callTool(
  ctx: AppContext,
  name: string,
  args: Record<string, unknown>,
): Promise<CallResult> {
  const server = createServer(ctx);
  const client = new Client({ name: "squad-mcp-call", version: VERSION });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    const result = await client.callTool({ name, arguments: args }, undefined, {
      timeout: NO_TIMEOUT_MS,
    });
    const text = Array.isArray(result.content)
      ? result.content.map((part) => (part.type === "text" ? part.text : "")).join("\n")
      : "";
    if (result.isError) return { ok: false, output: text };
    return { ok: true, output: JSON.stringify(result.structuredContent ?? {}, null, 2) };
  } finally {
    await client.close();
    await server.close();
  }
}
