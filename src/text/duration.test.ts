import { describe, expect, it } from "vitest";
import { duration, seconds } from "./duration.js";

describe("seconds", () => {
  it("shows milliseconds as seconds to a tenth", () => {
    expect(seconds(2_549)).toBe("2.5 s");
    expect(seconds(60_000)).toBe("60.0 s");
  });
});

describe("duration", () => {
  it("keeps milliseconds under a second and switches to seconds from one", () => {
    expect(duration(349.6)).toBe("350 ms");
    expect(duration(999)).toBe("999 ms");
    expect(duration(1_000)).toBe("1.0 s");
  });
});
