import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  CLOSED_OLLAMA,
  INITIALIZE_LINE,
  type RunningServer,
  startServer,
  tempDir,
} from "../support/server.js";

describe("the server over stdio", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it("introduces itself with instructions on when to call which tool", () => {
    expect(server.client.getServerVersion()?.name).toBe("squad-mcp");
    const instructions = server.client.getInstructions() ?? "";
    expect(instructions).toMatch(/route_task/);
    expect(instructions).toMatch(/log_outcome/);
  });

  it("lists its tools with titles, described inputs, output schemas and truthful annotations", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      "route_task",
      "spawn_squad",
      "squad_status",
      "validate_output",
      "write_code_spec",
      "implement_spec",
      "apply_spec",
      "log_outcome",
    ]);
    // Running arbitrary shell commands (a squad, a validation's checks) can destroy things, and
    // apply_spec writes to the user's working tree; implement_spec works in a throwaway worktree.
    const destructive: Record<string, boolean> = {
      log_outcome: false,
      route_task: false,
      spawn_squad: true,
      squad_status: false,
      validate_output: true,
      write_code_spec: false,
      implement_spec: false,
      apply_spec: true,
    };
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description?.length, tool.name).toBeLessThanOrEqual(600);
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      // A hint left out has MCP's default value (destructiveHint: true); only others are listed.
      expect(tool.annotations?.destructiveHint ?? true, tool.name).toBe(destructive[tool.name]);
      const properties = tool.inputSchema.properties as Record<string, { description?: string }>;
      for (const [field, schema] of Object.entries(properties)) {
        expect(schema.description, `${tool.name}.${field}`).toBeTruthy();
      }
    }
    const routeTask = tools.find((tool) => tool.name === "route_task");
    expect(routeTask?.inputSchema.required).toEqual(["task"]);
    expect(Object.keys(routeTask?.outputSchema?.properties ?? {})).toEqual(
      expect.arrayContaining([
        "decision_id",
        "route",
        "worker",
        "category",
        "complexity",
        "rationale",
        "similar",
      ]),
    );
  });

  it("keeps tools/list small: tool definitions cost the host context on every turn", async () => {
    const { tools } = await server.client.listTools();
    expect(Buffer.byteLength(JSON.stringify(tools))).toBeLessThanOrEqual(12 * 1024);
  });

  it("lists each output schema as its fields' types, which every result conforms to", async () => {
    const { tools } = await server.client.listTools();
    const implement = tools.find((tool) => tool.name === "implement_spec");
    expect(implement?.outputSchema?.properties).toMatchObject({
      verdict: { type: "string" },
      files_changed: { type: "array" },
      verification: { type: "object" },
      results: { type: "array" },
    });
    const routeTask = tools.find((tool) => tool.name === "route_task");
    // A field with nothing to say is left out of a result, never sent as null.
    expect(routeTask?.outputSchema?.properties).toMatchObject({
      worker: { type: "string" },
      similar: { type: "array" },
    });
    const squad = tools.find((tool) => tool.name === "spawn_squad");
    expect(squad?.outputSchema?.properties).toMatchObject({
      run_id: { type: "string" },
      logs: { type: "string" },
      tasks: { type: "object" },
    });
  });

  it("offers the shipped skills as prompts, with the task appended when given", async () => {
    const { prompts } = await server.client.listPrompts();
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual([
      "dual-model",
      "hierarchical-orchestrator",
      "squad-delegation",
    ]);
    const prompt = await server.client.getPrompt({
      name: "dual-model",
      arguments: { task: "add a --json flag to the CLI" },
    });
    const text = prompt.messages
      .map((m) => (m.content.type === "text" ? m.content.text : ""))
      .join("");
    expect(text).toContain("write_code_spec");
    expect(text).not.toMatch(/^---/);
    expect(text.trimEnd()).toMatch(/Task: add a --json flag to the CLI$/);
  });

  it("serves squad://stats as JSON", async () => {
    const { resources } = await server.client.listResources();
    expect(resources.map((resource) => resource.uri)).toContain("squad://stats");
    const read = await server.client.readResource({ uri: "squad://stats" });
    const content = read.contents[0];
    const stats = JSON.parse(content && "text" in content ? String(content.text) : "{}");
    // Nothing ran yet: no rows, and nothing saved the host reading or writing.
    expect(stats).toMatchObject({
      rows: [],
      totals: { tasks: 0, ledger: { gross: { read_avoided_tokens: 0, write_avoided_tokens: 0 } } },
    });
  });

  it("returns structured content that matches the output schema plus a short text", async () => {
    const result = await server.client.callTool({
      name: "route_task",
      arguments: { task: "npm run lint" },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      kind: "command",
      route: "squad",
      category: "lint",
    });
    expect(result.structuredContent).not.toHaveProperty("worker");
    const text = (result.content as { type: string; text: string }[])[0]?.text ?? "";
    expect(text).toMatch(/^command: spawn_squad runs it · lint/);
    expect(text.split("\n").length).toBeLessThanOrEqual(8);
    expect(text).not.toMatch(/^\{/);
  });
});

async function spawnRaw() {
  const child = spawn(process.execPath, [CLI], {
    env: {
      PATH: process.env.PATH,
      SQUAD_HOME: tempDir(),
      HOME: tempDir(),
      OLLAMA_HOST: CLOSED_OLLAMA,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stdin.write(INITIALIZE_LINE);
  while (!stdout.includes("\n")) await once(child.stdout, "data");
  return { child, stdout: () => stdout };
}

async function timeToExit(
  child: ReturnType<typeof spawn>,
  trigger: () => void,
): Promise<{ ms: number; code: number | null }> {
  const started = Date.now();
  const exited = once(child, "exit");
  trigger();
  const [code] = (await exited) as [number | null];
  return { ms: Date.now() - started, code };
}

describe("lifecycle", () => {
  it("writes only JSON-RPC to stdout", async () => {
    const { child, stdout } = await spawnRaw();
    for (const line of stdout().trim().split("\n"))
      expect(JSON.parse(line)).toHaveProperty("jsonrpc", "2.0");
    child.kill("SIGKILL");
  });

  it("exits within 2 s when stdin closes", async () => {
    const { child } = await spawnRaw();
    const { ms, code } = await timeToExit(child, () => child.stdin?.end());
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2000);
  });

  it("exits within 2 s on SIGTERM and on SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const { child } = await spawnRaw();
      const { ms, code } = await timeToExit(child, () => child.kill(signal));
      expect(code, signal).toBe(0);
      expect(ms, signal).toBeLessThan(2000);
    }
  });
});
