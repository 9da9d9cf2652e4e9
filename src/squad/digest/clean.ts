// Colour and cursor codes (CSI), window titles and links (OSC), and the short two-byte forms.
const ANSI_PATTERN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape codes are control characters
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/**
 * Plain lines as a reader would see them on a terminal: no escape codes, and a line redrawn
 * with carriage returns (progress bars) shows only its last drawing.
 */
export function cleanLines(output: string): string[] {
  return stripAnsi(output)
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => {
      const lastReturn = line.lastIndexOf("\r");
      return lastReturn === -1 ? line : line.slice(lastReturn + 1);
    });
}
