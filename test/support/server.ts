import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { hostReads, overBudget } from "../../src/tools/host-reads.js";

/** The package root, found from this file whether it runs from test/ or build/test/. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
/** What users run: the bundled CLI that package.json `bin` points at. */
export const CLI = join(PACKAGE_ROOT, "bundle", "cli.js");

function findPackageRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "squad-mcp")
      return dir;
  }
  throw new Error(`no squad-mcp package.json above ${start}`);
}

export function tempDir(prefix = "squad-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ServerOptions {
  /** SQUAD_HOME; a fresh temp folder when omitted. */
  home?: string;
  /** The project root the server starts in. */
  cwd?: string;
  /** Extra environment; OLLAMA_HOST defaults to a closed port so no real Ollama is used. */
  env?: Record<string, string>;
}

export interface RunningServer {
  client: Client;
  transport: StdioClientTransport;
  home: string;
  stderr: () => string;
  pid: () => number | null;
  close: () => Promise<void>;
}

/** The first message an MCP client sends, as one line for a raw stdio child. */
export const INITIALIZE_LINE = `${JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "squad-raw", version: "0" },
  },
})}\n`;

/** A port nothing listens on, so "Ollama unreachable" is deterministic. */
export const CLOSED_OLLAMA = "http://127.0.0.1:2";

/** Spawns the built server over stdio and connects an SDK client, as Claude Code does. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const home = options.home ?? tempDir("squad-home-");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: options.env?.HOME ?? tempDir("squad-user-"),
    SQUAD_HOME: home,
    OLLAMA_HOST: CLOSED_OLLAMA,
    SQUAD_LOG_LEVEL: "warn",
    // The test file's own temp folder (test/support/private-tmp.ts), removed when it is done.
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    ...options.env,
  };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env,
    cwd: options.cwd ?? home,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "squad-test", version: "0.0.0" });
  await client.connect(transport);
  let closing = false;
  // A server that goes away on its own (a crash, or a test that kills it) leaves its last
  // words in the test's output, so a flaky "Connection closed" can be read afterwards.
  client.onclose = () => {
    if (!closing && stderr.trim()) {
      process.stderr.write(
        `squad-mcp server ${home} closed unasked; its stderr:\n${stderr.slice(-2_000)}\n`,
      );
    }
  };
  return {
    client,
    transport,
    home,
    stderr: () => stderr,
    pid: () => transport.pid,
    close: () => {
      closing = true;
      return client.close();
    },
  };
}

/** The structured content of a successful call; throws with the error text otherwise. */
export async function callOk(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  // Every result a test sees is held to what the host may read.
  const over = overBudget(hostReads(result), args.max_chars as number | undefined);
  if (over) throw new Error(`${name}: ${over}\n${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as Record<string, unknown>;
}

/** The error text of a call that must fail. */
export async function callError(client: Client, name: string, args: unknown): Promise<string> {
  const result = await client.callTool({ name, arguments: args as Record<string, unknown> });
  if (!result.isError)
    throw new Error(`${name} unexpectedly succeeded: ${JSON.stringify(result.structuredContent)}`);
  const content = result.content as { type: string; text?: string }[];
  return content.map((part) => part.text ?? "").join("\n");
}

/** One task of a spawn_squad or squad_status result, with the status of the group it is in. */
export interface RunTask {
  id: string;
  status: string;
  kind?: "prompt";
  exit_code?: number;
  signal?: string;
  worker?: string;
  digest?: string;
  decision_id?: string;
}

/** A squad result's tasks as one list: its status groups flattened, in group order. */
export function runTasks(run: Record<string, unknown>): RunTask[] {
  const groups = (run.tasks ?? {}) as Record<
    string,
    Record<string, Omit<RunTask, "status" | "id">>
  >;
  return Object.entries(groups).flatMap(([status, tasks]) =>
    Object.entries(tasks).map(([id, task]) => ({ id, ...task, status })),
  );
}

/** Tasks per status in a squad result, those shown and those omitted for size together. */
export function runCounts(run: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const task of runTasks(run)) counts[task.status] = (counts[task.status] ?? 0) + 1;
  for (const [status, n] of Object.entries((run.omitted ?? {}) as Record<string, number>)) {
    counts[status] = (counts[status] ?? 0) + n;
  }
  return counts;
}
