import { stripControl, stripEscapes } from "../../text/control.js";

/**
 * Plain lines as a reader would see them on a terminal: no escape codes or other control
 * characters, and a line redrawn with carriage returns (progress bars) shows only its last
 * drawing.
 */
export function cleanLines(output: string): string[] {
  return stripEscapes(output)
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => {
      const lastReturn = line.lastIndexOf("\r");
      return stripControl(lastReturn === -1 ? line : line.slice(lastReturn + 1));
    });
}

/**
 * Paths under `cwd` written relative to it, as the host reads them more cheaply:
 * `/home/me/app/src/a.ts:3` and `file:///home/me/app/src/a.ts:3` read `src/a.ts:3` when the
 * command ran in `/home/me/app`. Only a path that starts a line or follows a space, bracket,
 * quote, `=` or `,` is changed, so a folder that merely ends the same way is left whole.
 */
export function relativeUnder(lines: string[], cwd: string | undefined): string[] {
  if (!cwd?.startsWith("/") || cwd === "/") return lines;
  const prefix = cwd.endsWith("/") ? cwd : `${cwd}/`;
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(^|[\\s(\\[<'"\`=,])(?:file://)?${escaped}`, "g");
  return lines.map((line) => (line.includes(prefix) ? line.replace(pattern, "$1") : line));
}
