/** Reads `25 failed`, `268 passed`, `1 error` out of a summary fragment, keyed by a normal name. */
export function readCountPairs(
  fragment: string,
  rename: Record<string, string> = {},
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of fragment.matchAll(/(\d+)\s+([a-zA-Z]+)/g)) {
    const word = (match[2] as string).toLowerCase();
    const key = rename[word] ?? word;
    counts[key] = (counts[key] ?? 0) + Number(match[1]);
  }
  return counts;
}

/** Puts the keys a reader looks for first (failures) ahead of the rest, dropping `total`. */
export function orderCounts(
  counts: Record<string, number>,
  first: string[],
): Record<string, number> {
  const ordered: Record<string, number> = {};
  for (const key of first) if (counts[key] !== undefined) ordered[key] = counts[key];
  for (const [key, value] of Object.entries(counts)) {
    if (key !== "total" && ordered[key] === undefined) ordered[key] = value;
  }
  return ordered;
}

/** Keeps one finding per id (a test can fail twice, e.g. in the body and on timeout). */
export function uniqueById<T extends { id: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}
