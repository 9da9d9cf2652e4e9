/**
 * Soak: several built servers on one SQUAD_HOME take thousands of mixed tool calls while
 * the CLI's one-shot commands run beside them; half the servers have the garbage collector
 * forced all the time. Servers end by stdin closing or SIGTERM, the CLI by returning from
 * main. Passes when every process exits 0, none aborts, and `PRAGMA integrity_check` is ok.
 *
 *   node build/scripts/soak.js [--servers 4] [--rounds 200]
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { openSqlite, sqliteDriver } from "../src/memory/sqlite.js";
import { startFakeOllama } from "../test/fakes/ollama.js";
import { CLI, CLOSED_OLLAMA, tempDir } from "../test/support/server.js";

/** Forces a major GC every 10 ms, alternating blocking and idle-time collections. */
const GC_PRELOAD = `
let n = 0;
setInterval(() => globalThis.gc?.({ type: "major", execution: n++ % 2 ? "async" : "sync" }), 10).unref();
`;

type Exit = { code: number | null; signal: NodeJS.Signals | null; stderr: string };

/** A JSON-RPC client transport over a child we spawned ourselves, so its exit status is ours. */
class ChildTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  private readonly buffer = new ReadBuffer();
  constructor(readonly child: ChildProcess) {}
  async start(): Promise<void> {
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage())
        this.onmessage?.(message);
    });
    this.child.on("exit", () => this.onclose?.());
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.child.stdin?.write(serializeMessage(message));
  }
  async close(): Promise<void> {
    this.child.stdin?.end();
  }
}

function exited(child: ChildProcess, stderr: () => string): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode, stderr: stderr() });
    else child.on("exit", (code, signal) => resolve({ code, signal, stderr: stderr() }));
  });
}

function project(): string {
  const root = tempDir("squad-soak-project-");
  mkdirSync(join(root, "src"));
  writeFileSync(
    join(root, "src", "math.ts"),
    "export const add = (a: number, b: number) => a + b;\n",
  );
  writeFileSync(join(root, "package.json"), '{"name":"soak","scripts":{"test":"true"}}\n');
  execFileSync("git", ["init", "-q"], { cwd: root });
  return root;
}

const TASKS = [
  "Summarise the changes in src/math.ts for a changelog",
  "grep -rn add src/",
  "Write a docstring for add in src/math.ts",
  "Explain what this regex does: ^a+b$",
  "Refactor the authentication architecture across services",
];

interface Tally {
  calls: number;
  outcomes: number;
  runs: number;
  toolErrors: string[];
}

async function call(
  client: Client,
  tally: Tally,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  tally.calls++;
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) tally.toolErrors.push(`${name}: ${JSON.stringify(result.content)}`);
  return (result.structuredContent ?? {}) as Record<string, unknown>;
}

async function serverSession(
  index: number,
  options: { root: string; env: Record<string, string>; rounds: number; preload: string },
  tally: Tally,
): Promise<Exit & { name: string }> {
  const forceGc = index % 2 === 0;
  const endBy = index % 4 < 2 ? "stdin" : "SIGTERM";
  const name = `server ${index} (${forceGc ? "gc forced" : "gc left alone"}, ends by ${endBy})`;
  const child = spawn(
    process.execPath,
    [...(forceGc ? ["--expose-gc", "--import", options.preload] : []), CLI],
    { cwd: options.root, env: options.env, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = exited(child, () => stderr);
  const client = new Client({ name: "squad-soak", version: "0" });
  await client.connect(new ChildTransport(child));
  for (let round = 0; round < options.rounds; round++) {
    const routed = await call(client, tally, "route_task", {
      task: TASKS[round % TASKS.length],
    });
    if (typeof routed.decision_id === "string") {
      await call(client, tally, "log_outcome", {
        decision_id: routed.decision_id,
        success: round % 3 !== 0,
      });
      tally.outcomes++;
    }
    if (round % 5 === 0) {
      const run = await call(client, tally, "spawn_squad", {
        tasks: [
          { id: "echo", command: `echo round ${round}` },
          {
            id: "sum",
            prompt: "Summarise this module",
            worker: "qwen-fast",
            files: ["src/math.ts"],
          },
        ],
      });
      tally.runs++;
      if (typeof run.run_id === "string")
        await call(client, tally, "squad_status", { run_id: run.run_id });
    }
    if (round % 7 === 0)
      await call(client, tally, "validate_output", {
        task: "Say ok",
        output: `ok ${round}`,
        checks: { must_match: ["^ok \\d+$"] },
      });
    if (round % 11 === 0) {
      const { resources } = await client.listResources();
      const first = resources[0];
      if (first) await client.readResource({ uri: first.uri });
      tally.calls += 2;
    }
  }
  if (endBy === "stdin") await client.close();
  else child.kill("SIGTERM");
  return { name, ...(await done) };
}

async function cliRuns(root: string, env: Record<string, string>, count: number) {
  const exits: (Exit & { name: string })[] = [];
  const commands = [["call", "route_task", '{"task":"grep -rn add src/"}'], ["stats"], ["doctor"]];
  for (let i = 0; i < count; i++) {
    const args = commands[i % commands.length] as string[];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root, env, stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.resume();
    exits.push({ name: `squad-mcp ${args[0]}`, ...(await exited(child, () => stderr)) });
  }
  return exits;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      servers: { type: "string", default: "4" },
      rounds: { type: "string", default: "200" },
    },
  });
  const servers = Number(values.servers);
  const rounds = Number(values.rounds);
  const started = Date.now();
  const ollama = await startFakeOllama({ models: [{ name: "qwen2.5-coder:7b" }] });
  const root = project();
  const home = tempDir("squad-soak-home-");
  const scratch = tempDir("squad-soak-");
  const preload = join(scratch, "force-gc.mjs");
  writeFileSync(preload, GC_PRELOAD);
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: scratch,
    SQUAD_HOME: home,
    OLLAMA_HOST: ollama.url,
    SQUAD_LOG_LEVEL: "warn",
  };
  const tally: Tally = { calls: 0, outcomes: 0, runs: 0, toolErrors: [] };
  try {
    const exits = (
      await Promise.all([
        ...Array.from({ length: servers }, (_, index) =>
          serverSession(index, { root, env, rounds, preload }, tally).then((exit) => [exit]),
        ),
        cliRuns(root, { ...env, OLLAMA_HOST: CLOSED_OLLAMA }, 3 * servers),
      ])
    ).flat();
    const db = openSqlite(join(home, "squad.db"), { readOnly: true });
    const integrity = db.prepare<[], { integrity_check: string }>("PRAGMA integrity_check").get();
    const count = (table: string) =>
      db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
    const outcomes = count("outcomes");
    const runs = count("runs");
    db.close();

    const bad = exits.filter(
      (exit) =>
        exit.code !== 0 || exit.signal !== null || /Assertion failed|FATAL/.test(exit.stderr),
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `soak on Node ${process.versions.node} (${sqliteDriver().driver}): ${servers} servers × ${rounds} rounds, ` +
        `${tally.calls} tool calls, ${exits.length - servers} CLI runs in ${seconds} s`,
    );
    console.log(
      `exits: ${exits.length - bad.length} of ${exits.length} clean; integrity_check: ${integrity?.integrity_check}; ` +
        `outcomes ${outcomes} (≥ ${tally.outcomes} logged), runs ${runs} (${tally.runs} started)`,
    );
    for (const exit of bad)
      console.log(
        `FAILED ${exit.name}: code ${exit.code} signal ${exit.signal}\n${exit.stderr.slice(-2_000)}`,
      );
    for (const error of tally.toolErrors.slice(0, 5)) console.log(`tool error: ${error}`);
    const ok =
      bad.length === 0 &&
      tally.toolErrors.length === 0 &&
      integrity?.integrity_check === "ok" &&
      outcomes >= tally.outcomes &&
      runs === tally.runs;
    console.log(ok ? "soak passed" : "soak FAILED");
    return ok ? 0 : 1;
  } finally {
    await ollama.close();
    for (const dir of [root, home, scratch]) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
