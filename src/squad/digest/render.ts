import { type Budget, cutToBudget, fitLines, fits, joinIfFits } from "./budget.js";
import {
  groupedIdLines,
  hiddenFileCounts,
  idLines,
  linesWithMessages,
  moreLines,
} from "./finding-lines.js";
import { MAX_MESSAGE_CHARS, oneLine } from "./message.js";
import type { Finding, FindingKind } from "./types.js";

/** Below this a cut message says too little to be worth its space; ids alone are listed. */
const MIN_MESSAGE_CHARS = 30;
const FIRST_MESSAGE_CHARS = 120;

/**
 * The summary, then every listed failure, shrinking until it fits the budget: shorter
 * messages, then ids only, then ids grouped by file, then as many ids as fit and a count. The
 * result always fits; for test runs the budget is first raised to what their ids need.
 * `unlisted` are failures beyond the cap; `unparsed` ones the tool counted in a part of the
 * log that was not read.
 */
export function renderFindings(
  summary: string,
  listed: Finding[],
  unlisted: Finding[],
  unparsed: number,
  kind: FindingKind,
  shareBudget: Budget,
): string {
  // Failing test ids win over the share of the raw output (never over `chars`): the budget
  // grows to what every listed id, grouped, takes with one message.
  const common = commonMessageLine(listed);
  const idsOnly = [
    summary,
    ...groupedIdLines(listed, kind),
    ...(common === null ? [] : [common]),
    ...moreLines(unlisted, listed, unparsed, kind),
  ];
  const budget = kind === "test" && listed.length > 0 ? roomFor(idsOnly, shareBudget) : shareBudget;
  const text = renderListed(summary, listed, unlisted, unparsed, kind, budget);
  if (kind === "test" || unlisted.length === 0) return text;
  // Checkers: budget left over names other files (as many as failures are listed), so the host
  // sees the spread of problems and not only the first few files.
  const others = [...hiddenFileCounts(unlisted, listed)]
    .slice(0, listed.length)
    .map(([file, n]) => `${file} (${n})`);
  const kept = fitLines([text], others, budget).length;
  for (let n = kept; n > 0; n--) {
    const packed = `${text}\n  ${others.slice(0, n).join(", ")}`;
    if (fits(packed, budget)) return packed;
  }
  return text;
}

function renderListed(
  summary: string,
  listed: Finding[],
  unlisted: Finding[],
  unparsed: number,
  kind: FindingKind,
  budget: Budget,
): string {
  const more = moreLines(unlisted, listed, unparsed, kind);
  const whole = linesWithMessages(listed, kind, MAX_MESSAGE_CHARS, true);
  const full = joinIfFits([summary, ...whole, ...more], budget);
  if (full !== null) return full;
  // A test's line number is the first thing to give up: the message says more.
  const withCap = (cap: number) =>
    [summary, ...linesWithMessages(listed, kind, cap, kind === "file"), ...more].join("\n");
  const cap = largestFittingCap(withCap, budget);
  if (cap !== null) return withCap(cap);
  // Checkers: the first problems in full, as many as fit, tell the host what kind of breakage
  // this is; the rest as `src/a.ts: 3, 5, 12` shows where it spreads.
  if (kind === "file") {
    for (let shown = listed.length; shown > 0; shown--) {
      const first = linesWithMessages(listed.slice(0, shown), kind, FIRST_MESSAGE_CHARS, true);
      const rest = groupedIdLines(listed.slice(shown), kind);
      const text = joinIfFits([summary, ...first, ...rest, ...more], budget);
      if (text !== null) return text;
    }
  }
  // `src/a.ts: 3, 5, 12` says as much as three lines; for tests one id per line reads better.
  const idOnlyBodies =
    kind === "file"
      ? [groupedIdLines(listed, kind)]
      : [idLines(listed, kind), groupedIdLines(listed, kind)];
  const common = commonMessageLine(listed);
  for (const body of idOnlyBodies) {
    for (const extra of common === null ? [[]] : [[common], []]) {
      const text = joinIfFits([summary, ...body, ...extra, ...more], budget);
      if (text !== null) return text;
    }
  }
  return (
    largestPrefixThatFits(summary, listed, unlisted, unparsed, kind, budget) ??
    cutToBudget(summary, budget)
  );
}

/**
 * With ids only, one message still tells the host what kind of breakage this is: the one most
 * failures share, or the first when no two agree.
 */
function commonMessageLine(listed: Finding[]): string | null {
  const counts = new Map<string, number>();
  for (const f of listed) {
    const message = oneLine(f.message, FIRST_MESSAGE_CHARS);
    if (message !== "") counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  let top: [string, number] | null = null;
  for (const entry of counts) if (top === null || entry[1] > top[1]) top = entry;
  if (top === null) return null;
  return top[1] > 1 ? `most common (${top[1]} of ${listed.length}): ${top[0]}` : `first: ${top[0]}`;
}

/** A budget with room for `lines` in bytes, never beyond its characters. */
function roomFor(lines: string[], budget: Budget): Budget {
  const bytes = Buffer.byteLength(lines.join("\n"));
  return { chars: budget.chars, bytes: Math.max(budget.bytes, bytes) };
}

/**
 * The longest message cut that fits: short messages stay whole and only long ones are cut, so
 * the budget goes where the words are. Fitting shrinks as the cut grows, so binary search works.
 */
function largestFittingCap(render: (cap: number) => string, budget: Budget): number | null {
  if (!fits(render(MIN_MESSAGE_CHARS), budget)) return null;
  let low = MIN_MESSAGE_CHARS;
  let high = MAX_MESSAGE_CHARS;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(render(mid), budget)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** As many grouped ids as fit, then the count of the rest. */
function largestPrefixThatFits(
  summary: string,
  listed: Finding[],
  unlisted: Finding[],
  unparsed: number,
  kind: FindingKind,
  budget: Budget,
): string | null {
  const render = (k: number) => {
    const shown = listed.slice(0, k);
    const hidden = [...listed.slice(k), ...unlisted];
    return [
      summary,
      ...groupedIdLines(shown, kind),
      ...moreLines(hidden, shown, unparsed, kind),
    ].join("\n");
  };
  let low = 0;
  let high = listed.length - 1;
  let best: string | null = null;
  // More ids make a longer text, so the largest k that fits is found by binary search.
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const text = render(mid);
    if (fits(text, budget)) {
      best = text;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best;
}
