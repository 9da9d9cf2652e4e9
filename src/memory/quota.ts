import { type Db, writeTransaction } from "./db.js";

/** Why and until when an alias is not to be used (ms since the epoch). */
export interface Cooldown {
  until: number;
  reason: string;
}

/** Requests per alias per quota day, and cooldowns; shared by every server process. */
export interface QuotaStore {
  count(alias: string, day: string): number;
  /** Counts one more request and returns the new count. */
  increment(alias: string, day: string): number;
  /** The alias's cooldown, or null when there is none or it has expired by `now`. */
  cooldown(alias: string, now: number): Cooldown | null;
  setCooldown(alias: string, until: number, reason: string): void;
  clearCooldown(alias: string): void;
}

export function createQuotaStore(db: Db): QuotaStore {
  const selectCount = db.prepare<[string, string], { requests: number }>(
    "SELECT requests FROM quota_usage WHERE alias = ? AND day = ?",
  );
  const upsertCount = db.prepare<[string, string], { requests: number }>(`
    INSERT INTO quota_usage (alias, day, requests) VALUES (?, ?, 1)
    ON CONFLICT (alias, day) DO UPDATE SET requests = requests + 1
    RETURNING requests`);
  const selectCooldown = db.prepare<[string], Cooldown>(
    "SELECT until, reason FROM cooldowns WHERE alias = ?",
  );
  const upsertCooldown = db.prepare<[string, number, string]>(`
    INSERT INTO cooldowns (alias, until, reason) VALUES (?, ?, ?)
    ON CONFLICT (alias) DO UPDATE SET until = excluded.until, reason = excluded.reason`);
  const deleteCooldown = db.prepare<[string]>("DELETE FROM cooldowns WHERE alias = ?");

  return {
    count: (alias, day) => selectCount.get(alias, day)?.requests ?? 0,
    increment: (alias, day) =>
      writeTransaction(db, () => upsertCount.get(alias, day)?.requests ?? 0),
    cooldown(alias, now) {
      const row = selectCooldown.get(alias);
      return row && row.until > now ? { until: row.until, reason: row.reason } : null;
    },
    setCooldown(alias, until, reason) {
      writeTransaction(db, () => upsertCooldown.run(alias, until, reason));
    },
    clearCooldown(alias) {
      writeTransaction(db, () => deleteCooldown.run(alias));
    },
  };
}

/** Gemini's daily quotas reset at midnight in this zone, whatever the caller's zone. */
const QUOTA_ZONE = "America/Los_Angeles";

const pacificClock = new Intl.DateTimeFormat("en-US", {
  timeZone: QUOTA_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function pacificWallTime(at: number): WallTime {
  const parts = pacificClock.formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((part) => part.type === type)?.value);
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
  };
}

/** The Pacific quota day `now` falls in, as YYYY-MM-DD. */
export function quotaDay(now: number): string {
  const { year, month, day } = pacificWallTime(now);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** Pacific wall time minus UTC at `at`, in ms (−8 h in winter, −7 h in summer). */
function pacificOffset(at: number): number {
  const wall = pacificWallTime(at);
  const wallAsUtc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
  );
  return wallAsUtc - Math.floor(at / 1000) * 1000;
}

/** The next midnight Pacific time after `now`: when today's daily quotas reset. */
export function nextQuotaReset(now: number): number {
  const { year, month, day } = pacificWallTime(now);
  // Tomorrow's midnight as if Pacific were UTC; Date.UTC rolls day 32 into the next month.
  const midnightAsUtc = Date.UTC(year, month - 1, day + 1);
  // Read as an instant, that is late afternoon of the day before midnight Pacific. DST never
  // changes between then and midnight (it changes at 2 am), so its offset is midnight's.
  return midnightAsUtc - pacificOffset(midnightAsUtc);
}
