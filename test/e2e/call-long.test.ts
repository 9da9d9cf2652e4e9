import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

describe("squad-mcp call", () => {
  // The SDK's client gives up on a request after 60 s by default; an in-process call must not.
  it("waits for a squad longer than a minute and prints its result, the store still open", async () => {
    const result = await runCli(
      [
        "call",
        "spawn_squad",
        JSON.stringify({ tasks: [{ id: "slow", command: "sleep 62; echo done" }] }),
      ],
      { env: { PATH: process.env.PATH ?? "" }, timeout: 120_000 },
    );
    expect(result.stderr).not.toMatch(/timed out|not open/i);
    expect(result.exitCode).toBe(0);
    const run = JSON.parse(result.stdout);
    expect(run.status).toBe("done");
    expect(Object.keys(run.tasks.ok)).toEqual(["slow"]);
  }, 130_000);
});
