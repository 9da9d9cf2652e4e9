import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SKILL_NAME = "acgme-compliance";

/** A skill the host really has; the squad cannot use it, so work that needs it stays home. */
const SKILL_MD = `---
name: ${SKILL_NAME}
description: >
  Validate residency schedules against ACGME duty-hour rules: the 80-hour weekly limit
  averaged over four weeks, one day in seven free of duty, at most 24 hours of continuous
  duty plus 4 for handoff, in-house call no more often than every third night, and
  adequate rest between shifts. Use when creating, reviewing or changing call schedules,
  rotations or shift swaps.
---

# ACGME compliance

Check a schedule before it is published and after every swap.

## Rules (ACGME Common Program Requirements, section VI)
1. **80 hours**: clinical and educational work, averaged over a four-week block, including
   in-house call and at-home call time spent in the hospital.
2. **One day in seven**: free of clinical work and education, averaged over four weeks.
3. **24 + 4**: continuous scheduled work at most 24 hours; up to 4 more for handoffs and
   education only, never new patients.
4. **Every third night**: in-house call no more often than every third night, averaged.
5. **Rest**: at least 8 hours off between shifts; 14 hours off after a 24-hour shift.

## Procedure
- Load the block with \`ACGMEValidator.from_schedule(block)\` (backend/app/compliance).
- Report each violation with the resident, the rule number and the dates involved.
- Near misses (78+ hours, 7th day worked in a rolling window) are warnings, not passes.
`;

/** The file the demo's workers write a docstring for. */
export const DATES_FILE = "app/utils/dates.py";

const DATES_PY = `from datetime import date, timedelta


def add_days(day: date, n: int) -> date:
    return day + timedelta(days=n)
`;

/** Creates the project a host would be working in: its skill and a repeatable squad config. */
export function createProject(root: string, workers: Record<string, unknown> = {}): void {
  const skillDir = join(root, ".claude", "skills", SKILL_NAME);
  mkdirSync(skillDir, { recursive: true });
  writeFileSync(join(skillDir, "SKILL.md"), SKILL_MD);
  mkdirSync(join(root, "app", "utils"), { recursive: true });
  writeFileSync(join(root, DATES_FILE), DATES_PY);
  // Exploration (normally 10% of decisions) is turned off so every run of the demo reads the same.
  writeFileSync(
    join(root, "squad.config.json"),
    `${JSON.stringify({ routing: { exploration: 0 }, ...(Object.keys(workers).length > 0 && { workers }) }, null, 2)}\n`,
  );
}
