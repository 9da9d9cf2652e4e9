import { describe, expect, it } from "vitest";
import { weeklyHours, withinEightyHours } from "./duty-hours.mjs";

const week = (n, hours) => ({ week: n, hours });

describe("duty hours", () => {
  it("adds shifts up per week", () => {
    expect(weeklyHours([week(1, 24), week(1, 12), week(3, 10)])).toEqual([36, 0, 10, 0]);
  });

  it("averages the 80-hour limit over four weeks", () => {
    const block = [week(1, 90), week(2, 90), week(3, 70), week(4, 70)];
    expect(withinEightyHours(block)).toBe(true);
  });
});
