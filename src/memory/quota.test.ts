import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nextQuotaReset, quotaDay } from "./quota.js";
import { openStore, type Store } from "./store.js";

const at = (iso: string) => Date.parse(iso);
const opened: Store[] = [];
const dbFile = () => join(mkdtempSync(join(tmpdir(), "quota-")), "squad.db");
function open(file: string): Store {
  const store = openStore(file);
  opened.push(store);
  return store;
}

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

describe("quota store", () => {
  it("counts requests per alias per day, starting from zero", () => {
    const { quota } = open(dbFile());
    expect(quota.count("flash", "2026-11-21")).toBe(0);
    expect(quota.increment("flash", "2026-11-21")).toBe(1);
    expect(quota.increment("flash", "2026-11-21")).toBe(2);
    expect(quota.increment("pro", "2026-11-21")).toBe(1);
    expect(quota.increment("flash", "2026-11-22")).toBe(1);
    expect(quota.count("flash", "2026-11-21")).toBe(2);
    expect(quota.count("pro", "2026-11-21")).toBe(1);
  });

  it("shares counts and cooldowns between processes using one database file", () => {
    const file = dbFile();
    const first = open(file).quota;
    const second = open(file).quota;
    first.increment("flash", "2026-11-21");
    expect(second.increment("flash", "2026-11-21")).toBe(2);
    first.setCooldown("flash", 5_000, "daily quota spent (X)");
    expect(second.cooldown("flash", 1_000)).toEqual({
      until: 5_000,
      reason: "daily quota spent (X)",
    });
  });

  it("reports a cooldown only until it expires, and forgets a cleared one", () => {
    const { quota } = open(dbFile());
    expect(quota.cooldown("flash", 0)).toBeNull();
    quota.setCooldown("flash", 2_000, "first");
    quota.setCooldown("flash", 3_000, "daily quota spent");
    expect(quota.cooldown("flash", 2_999)).toEqual({ until: 3_000, reason: "daily quota spent" });
    expect(quota.cooldown("flash", 3_000)).toBeNull();
    quota.clearCooldown("flash");
    expect(quota.cooldown("flash", 0)).toBeNull();
  });
});

describe("the Pacific quota day", () => {
  it("changes at midnight Pacific, not at midnight UTC", () => {
    // 23:59:59 PST on the 21st, then midnight PST on the 22nd.
    expect(quotaDay(at("2026-11-22T07:59:59.999Z"))).toBe("2026-11-21");
    expect(quotaDay(at("2026-11-22T08:00:00.000Z"))).toBe("2026-11-22");
    expect(nextQuotaReset(at("2026-11-21T20:00:00Z"))).toBe(at("2026-11-22T08:00:00.000Z"));
    expect(nextQuotaReset(at("2026-11-22T07:59:59.999Z"))).toBe(at("2026-11-22T08:00:00.000Z"));
    // At midnight exactly the new day has begun; its reset is the next midnight.
    expect(nextQuotaReset(at("2026-11-22T08:00:00.000Z"))).toBe(at("2026-11-23T08:00:00.000Z"));
  });

  it("follows daylight saving time: midnight is 07:00 UTC in summer, 08:00 in winter", () => {
    expect(quotaDay(at("2026-07-15T06:59:59Z"))).toBe("2026-07-14");
    expect(quotaDay(at("2026-07-15T07:00:00Z"))).toBe("2026-07-15");
    expect(nextQuotaReset(at("2026-07-15T12:00:00Z"))).toBe(at("2026-07-16T07:00:00.000Z"));
  });

  it("has a 23-hour day when DST begins on 2026-03-08", () => {
    const start = at("2026-03-08T08:00:00Z"); // midnight PST
    expect(quotaDay(start)).toBe("2026-03-08");
    expect(nextQuotaReset(at("2026-03-07T20:00:00Z"))).toBe(start);
    // Clocks jump from 02:00 PST to 03:00 PDT, so the next midnight is PDT.
    expect(nextQuotaReset(start)).toBe(at("2026-03-09T07:00:00.000Z"));
    expect(quotaDay(at("2026-03-09T06:59:59Z"))).toBe("2026-03-08");
    expect(quotaDay(at("2026-03-09T07:00:00Z"))).toBe("2026-03-09");
  });

  it("has a 25-hour day when DST ends on 2026-11-01", () => {
    const start = at("2026-11-01T07:00:00Z"); // midnight PDT
    expect(quotaDay(at("2026-11-01T06:59:59Z"))).toBe("2026-10-31");
    expect(nextQuotaReset(at("2026-10-31T19:00:00Z"))).toBe(start);
    expect(quotaDay(start)).toBe("2026-11-01");
    // 01:00–02:00 happens twice; both are still the 1st.
    expect(quotaDay(at("2026-11-01T09:30:00Z"))).toBe("2026-11-01");
    expect(nextQuotaReset(start)).toBe(at("2026-11-02T08:00:00.000Z"));
  });

  it("rolls over month and year ends", () => {
    expect(nextQuotaReset(at("2026-12-31T20:00:00Z"))).toBe(at("2027-01-01T08:00:00.000Z"));
    expect(quotaDay(at("2027-01-01T07:59:59Z"))).toBe("2026-12-31");
  });
});
