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
