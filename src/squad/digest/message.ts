export const MAX_MESSAGE_CHARS = 200;

/** Collapses whitespace to one line and cuts it to `max` characters, marking the cut. */
export function oneLine(text: string, max = MAX_MESSAGE_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  if (max <= 1) return flat.slice(0, Math.max(0, max));
  return `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** Joins message parts into one line; parts after the first add detail a reader may need. */
export function joinMessage(parts: string[]): string {
  const kept = parts.map((part) => part.trim()).filter((part) => part !== "");
  const joined = kept.reduce((text, part) => {
    if (text === "") return part;
    return /[.:;]$/.test(text) ? `${text} ${part}` : `${text}; ${part}`;
  }, "");
  return oneLine(joined);
}
