import { clip } from "./clip.js";
import { stripControl } from "./control.js";

/** How much of a list a model or a command controls may go into a result. */
export interface ListCap {
  /** Items kept; the rest become one "… and N more" line. */
  maxItems: number;
  /** Characters of one item. */
  maxItemChars: number;
  /** Characters of all kept items together. */
  maxTotalChars: number;
}

/** Sized so a result's lists together stay well inside what the host should read. */
export const RESULT_LIST_CAP: ListCap = { maxItems: 5, maxItemChars: 200, maxTotalChars: 600 };

/**
 * The list as a result may carry it: at most `maxItems` items, each clipped and without
 * control characters, all within
 * `maxTotalChars`, and a last line "… and N more (where)" when anything was left out. `where`
 * names the place that keeps the full list.
 */
export function capList(items: readonly string[], where: string, cap = RESULT_LIST_CAP): string[] {
  const kept: string[] = [];
  let total = 0;
  for (const item of items) {
    if (kept.length >= cap.maxItems) break;
    const clipped = clip(stripControl(item), cap.maxItemChars);
    if (kept.length > 0 && total + clipped.length > cap.maxTotalChars) break;
    kept.push(clipped);
    total += clipped.length;
  }
  const rest = items.length - kept.length;
  return rest > 0 ? [...kept, `… and ${rest} more (${where})`] : kept;
}

/**
 * Objects cannot carry a "… and N more" line, so a longer list keeps its first `maxItems` and
 * ends with `summarize(rest)`, an item standing for the ones left out.
 */
export function capObjects<T>(
  items: readonly T[],
  maxItems: number,
  summarize: (rest: readonly T[]) => T,
): T[] {
  if (items.length <= maxItems) return [...items];
  return [...items.slice(0, maxItems), summarize(items.slice(maxItems))];
}
