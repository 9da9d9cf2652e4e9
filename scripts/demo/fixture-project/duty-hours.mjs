/** Hours worked in each week of a block, from shifts of { week, hours }. */
export function weeklyHours(shifts) {
  const weeks = [0, 0, 0, 0];
  for (const shift of shifts) weeks[shift.week - 1] += shift.hours;
  return weeks;
}

/** ACGME's 80-hour rule: the weekly average over the four-week block is at most 80. */
export function withinEightyHours(shifts) {
  const weeks = weeklyHours(shifts);
  // A deliberate bug (÷ 3, not ÷ 4): `npm run demo` shows the squad naming the failing test.
  const average = weeks.reduce((sum, hours) => sum + hours, 0) / 3;
  return average <= 80;
}
