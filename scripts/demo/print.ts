const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

export const bold = paint("1");
export const dim = paint("2");
export const green = paint("32");
export const red = paint("31");

/** Cut to `width` characters, marking the cut. */
export function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Clip and pad to exactly `width` characters, so columns line up. */
export function cell(text: string, width: number): string {
  return clip(text, width).padEnd(width);
}

export function heading(text: string): void {
  console.log(`\n${bold(text)}`);
}

export function mark(success: boolean): string {
  return success ? green("✓") : red("✗");
}
