// biome-ignore-all lint/suspicious/noControlCharactersInRegex: these patterns match control characters on purpose

/**
 * Terminal escape sequences, 7-bit (ESC …) and 8-bit (C1) forms: CSI (colours, cursor moves),
 * OSC (titles, links) and DCS/SOS/PM/APC strings up to their terminator, and the short forms
 * ESC c (reset), ESC 7/ESC 8 (save/restore the cursor), ESC ( B (character sets) and the like.
 * String sequences stop at the next ESC when unterminated, so a stray one cannot hide the rest
 * of an output and matching stays linear.
 */
const ESCAPE_SEQUENCES =
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)|\u001b[ -/]*[0-~]/g;

/** Every C0 and C1 control character but tab and newline, and DEL. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Removes escape sequences whole, keeping every other character (carriage returns too). */
export function stripEscapes(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, "");
}

/**
 * Text as it is safe to show to a host or a terminal: escape sequences removed whole, then any
 * control character left but newline and tab.
 */
export function stripControl(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, "").replace(CONTROLS, "");
}

/** stripControl over every string in a JSON-like value; other values are kept as they are. */
export function stripControlDeep<T>(value: T): T {
  if (typeof value === "string") return stripControl(value) as T;
  if (Array.isArray(value)) return value.map((item) => stripControlDeep(item)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, stripControlDeep(item)]),
    ) as T;
  }
  return value;
}
