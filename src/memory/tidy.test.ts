import { describe, expect, it } from "vitest";
import { tidyInBackground } from "./tidy.js";

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("tidyInBackground", () => {
  it("steps after the delay until a step says it is done", async () => {
    let calls = 0;
    tidyInBackground(() => ++calls < 3, { delayMs: 20, pauseMs: 1, onError: () => {} });
    expect(calls).toBe(0);
    await settle(120);
    expect(calls).toBe(3);
  });

  it("ends on the first failure and reports it", async () => {
    let calls = 0;
    const errors: string[] = [];
    tidyInBackground(
      () => {
        calls++;
        throw new Error("database is locked");
      },
      { delayMs: 1, pauseMs: 1, onError: (message) => errors.push(message) },
    );
    await settle(60);
    expect(calls).toBe(1);
    expect(errors).toEqual(["database is locked"]);
  });

  it("takes no step after stop()", async () => {
    let calls = 0;
    const tidy = tidyInBackground(() => ++calls > 0, { delayMs: 1, pauseMs: 5, onError: () => {} });
    await settle(30);
    tidy.stop();
    const seen = calls;
    expect(seen).toBeGreaterThan(0);
    await settle(40);
    expect(calls).toBe(seen);
  });
});
