/** Outputs above this size must come back as at most 5 % of their bytes (the design's budget). */
export const LARGE_OUTPUT_BYTES = 20_000;
export const LARGE_OUTPUT_SHARE = 0.05;

export interface Budget {
  chars: number;
  bytes: number;
}

export function budgetFor(rawBytes: number, maxChars: number): Budget {
  const bytes =
    rawBytes > LARGE_OUTPUT_BYTES
      ? Math.floor(rawBytes * LARGE_OUTPUT_SHARE)
      : Number.MAX_SAFE_INTEGER;
  return { chars: Math.max(0, maxChars), bytes };
}

export function fits(text: string, budget: Budget): boolean {
  return text.length <= budget.chars && Buffer.byteLength(text) <= budget.bytes;
}

/** Hard cut for when nothing smarter fits; never splits a surrogate pair. */
export function cutToBudget(text: string, budget: Budget): string {
  let cut = text.slice(0, budget.chars);
  while (cut.length > 0 && Buffer.byteLength(cut) > budget.bytes) {
    cut = cut.slice(0, Math.max(0, cut.length - Math.max(1, Math.ceil(cut.length / 10))));
  }
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** Joins lines and reports whether they fit. */
export function joinIfFits(lines: string[], budget: Budget): string | null {
  const text = lines.join("\n");
  return fits(text, budget) ? text : null;
}

/** The longest prefix of `candidates` that still fits after the lines already placed. */
export function fitLines(placed: string[], candidates: string[], budget: Budget): string[] {
  const taken: string[] = [];
  let text = placed.join("\n");
  for (const line of candidates) {
    const next = text === "" ? line : `${text}\n${line}`;
    if (!fits(next, budget)) break;
    taken.push(line);
    text = next;
  }
  return taken;
}
