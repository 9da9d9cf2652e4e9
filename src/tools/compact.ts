/**
 * `value` without what says nothing to a reader: null and undefined fields, empty arrays and
 * empty strings, at any depth. Output schemas mark such fields optional; an absent field means
 * none (no signal, no skills, no similar tasks). An empty object stays: under a key (a task's
 * id) it still says something.
 */
export function compact<T>(value: T): T {
  return (prune(value) ?? {}) as T;
}

function prune(value: unknown): unknown {
  if (value === null || value === undefined || value === "") return undefined;
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const kept = prune(field);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}
