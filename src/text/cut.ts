/** Characters a string takes inside JSON: its quotes and escapes included. */
export function jsonChars(text: string): number {
  return JSON.stringify(text).length;
}

/**
 * `text` cut so that it takes at most `max` characters as a JSON string, at the last whole line
 * that fits (else mid-line), ending with "…" when anything was cut. Empty when not even the
 * marker fits.
 */
export function cutToJsonChars(text: string, max: number): string {
  if (jsonChars(text) <= max) return text;
  const marker = "…";
  let low = 0;
  let high = text.length;
  // The longest prefix whose JSON, with the marker, fits.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (jsonChars(whole(text.slice(0, mid)) + marker) <= max) low = mid;
    else high = mid - 1;
  }
  if (low === 0) return jsonChars(marker) <= max ? marker : "";
  let prefix = whole(text.slice(0, low));
  const lineEnd = prefix.lastIndexOf("\n");
  if (lineEnd > low / 2) prefix = prefix.slice(0, lineEnd + 1);
  return prefix + marker;
}

/** Never end on half of a surrogate pair. */
function whole(prefix: string): string {
  return /[\uD800-\uDBFF]$/.test(prefix) ? prefix.slice(0, -1) : prefix;
}
