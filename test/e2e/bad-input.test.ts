import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callError, callOk, type RunningServer, runTasks, startServer } from "../support/server.js";

const MEGABYTE = "x".repeat(1_048_576);
const ODD_UNICODE = "run \u0000 tests \uD800 for z̷̡̛a̶l̸g̷o \u202Eevil\u202C 🤖 ﷽ \uFEFF";

const badInputs: [tool: string, args: unknown, field: RegExp][] = [
  ["route_task", {}, /expected string, received undefined at task/],
  ["route_task", { task: 42 }, /expected string, received number at task/],
  ["route_task", { task: "" }, /at task/],
  ["route_task", { task: MEGABYTE }, /<=20000 characters at task/],
  [
    "route_task",
    { task: "ok", prefer: "smartest" },
    /"local"\|"cloud"\|"cheapest"\|"fastest".* at prefer/,
  ],
  [
    "route_task",
    { task: "ok", exclude: "qwen-fast" },
    /expected array, received string at exclude/,
  ],
  [
    "route_task",
    { task: "ok", exclude: ["nobody"] },
    /exclude: unknown worker 'nobody'; expected one of qwen-fast/,
  ],
  ["route_task", { task: "ok", context: "big" }, /expected object, received string at context/],
  ["route_task", { task: "ok", context: { files: -1 } }, /at context\.files/],
  ["route_task", { task: "ok", context: { files: 1.5 } }, /expected int.* at context\.files/],
  [
    "route_task",
    { task: "ok", context: { paths: [MEGABYTE] } },
    /at context\.paths\[0\]|at context\.paths\.0/,
  ],
  ["route_task", { task: "ok", taks: "typo" }, /Unrecognized key: "taks"/],
  ["log_outcome", {}, /expected boolean, received undefined at success/],
  ["log_outcome", { success: "yes" }, /expected boolean, received string at success/],
  ["log_outcome", { success: true }, /worker: give decision_id, or worker and category/],
  [
    "log_outcome",
    { decision_id: "d-0000000000", success: true },
    /decision_id: no routing decision 'd-0000000000'/,
  ],
  ["log_outcome", { decision_id: MEGABYTE, success: true }, /at decision_id/],
  [
    "log_outcome",
    { worker: "gpt-5", category: "tests", success: true },
    /worker: unknown worker 'gpt-5'/,
  ],
  ["log_outcome", { worker: "qwen-fast", success: true }, /category: required without decision_id/],
  ["log_outcome", { worker: "qwen-fast", category: "cooking", success: true }, /at category/],
  [
    "log_outcome",
    { worker: "qwen-fast", category: "tests", success: true, score: 1.5 },
    /at score/,
  ],
  [
    "log_outcome",
    { worker: "qwen-fast", category: "tests", success: true, latency_ms: -5 },
    /at latency_ms/,
  ],
  [
    "log_outcome",
    { worker: "qwen-fast", category: "tests", success: true, notes: MEGABYTE },
    /at notes/,
  ],
  ["no_such_tool", {}, /Tool no_such_tool not found/],
];

const MEBIBYTE = 1_048_576;

/** Messages the size of which is the problem: how each is sent, and what comes back. */
const oversizedMessages: [
  name: string,
  send: (server: RunningServer) => Promise<string>,
  expected: RegExp,
][] = [
  [
    "a 9 MiB tools/call",
    (server) => callError(server.client, "route_task", { task: "x".repeat(9 * MEBIBYTE) }),
    /<=20000 characters at task/,
  ],
  [
    "an 11 MiB tools/call with an error",
    (server) => callError(server.client, "route_task", { task: "x".repeat(11 * MEBIBYTE) }),
    /a message of \d+ bytes is over the 10 MiB limit for one message/,
  ],
  [
    "an 11 MiB notification with a logged line",
    async (server) => {
      await server.transport.send({
        jsonrpc: "2.0",
        method: "notifications/message",
        params: { level: "info", data: "x".repeat(11 * MEBIBYTE) },
      });
      await server.client.ping();
      return server.stderr();
    },
    /skipped a message of \d+ bytes, over the 10 MiB limit.*its id could not be read/,
  ],
];

/** Command outputs carrying terminal control sequences, and the text the digest must keep. */
const terminalOutputs: [name: string, command: string, kept: string][] = [
  ["ESC c (terminal reset)", "printf '\\033cafter reset\\n'; exit 1", "after reset"],
  ["ESC 7 and ESC 8", "printf '\\0337saved\\0338\\n'; exit 1", "saved"],
  ["the C1 CSI U+009B", "printf '\\302\\2332Jcleared\\n'; exit 1", "cleared"],
  ["an OSC title", "printf '\\033]0;title\\007shown\\n'; exit 1", "shown"],
  ["bell, backspace and DEL", "printf 'a\\007b\\010c\\177d\\n'; exit 1", "abcd"],
];

/** Code points below 32 (but tab and newline), DEL and C1. */
function controlsIn(text: string): number[] {
  return [...text]
    .map((char) => char.codePointAt(0) ?? 0)
    .filter((code) => (code < 32 && code !== 9 && code !== 10) || (code >= 127 && code <= 159));
}

describe("bad input", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it.each(badInputs)("%s %j → a tool error naming the field", async (tool, args, field) => {
    const text = await callError(server.client, tool, args);
    expect(text).toMatch(field);
    expect(text.length).toBeLessThan(2_000);
  });

  it("takes odd unicode as plain data", async () => {
    const routed = await callOk(server.client, "route_task", { task: ODD_UNICODE });
    expect(routed.category).toBe("tests");
    const logged = await callOk(server.client, "log_outcome", {
      decision_id: routed.decision_id,
      worker: "qwen-fast",
      success: true,
      notes: ODD_UNICODE,
    });
    expect(logged.profile).toMatchObject({ worker: "qwen-fast", category: "tests", n: 1 });
    const again = await callOk(server.client, "route_task", { task: "run tests for zalgo" });
    expect(again.similar).toEqual([
      expect.objectContaining({
        worker: "qwen-fast",
        success: true,
        task: expect.stringMatching(/^run .* tests .* for z/),
      }),
    ]);
  });

  it.each(oversizedMessages)("answers %s and stays up", async (_name, send, expected) => {
    const outcome = await send(server).then(
      (text) => text,
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(expected);
    const next = await callOk(server.client, "route_task", { task: "git status" });
    expect(next.category).toBe("git");
  });

  it.each(terminalOutputs)("shows %s without control characters", async (_name, command, kept) => {
    const result = await callOk(server.client, "spawn_squad", { tasks: [{ command }] });
    const [task] = runTasks(result);
    const shown = `${JSON.stringify(result)}${task?.digest ?? ""}`;
    expect(task?.digest).toContain(kept);
    expect(controlsIn(task?.digest ?? "")).toEqual([]);
    expect(shown).not.toMatch(/\\u001b|\\u009b/);
    const log = await server.client.readResource({
      uri: String(result.logs).replace("{id}", task?.id ?? ""),
    });
    const logText = (log.contents[0] as { text: string }).text;
    expect(logText).toContain(kept);
    expect(controlsIn(logText)).toEqual([]);
  });

  it("stays up after all of it", async () => {
    const result = await callOk(server.client, "route_task", { task: "git status" });
    expect(result.category).toBe("git");
    expect(server.stderr()).not.toMatch(/failed inside squad-mcp|unhandled/);
  });
});
