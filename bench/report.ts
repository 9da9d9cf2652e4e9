import type { Summary } from "./stats.js";

export interface Row {
  measure: string;
  figure: string;
  budget: string;
  result: string;
}

export function markdownTable(rows: readonly Row[]): string {
  return markdownGrid(
    ["Measure", "Figure", "Budget", "Result"],
    rows.map((row) => [row.measure, row.figure, row.budget, row.result]),
  );
}

/** A pipe inside a cell would end it, even between backticks. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** A Markdown table of any columns. */
export function markdownGrid(headers: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
}

export function latency(summary: Summary): string {
  return `p50 ${ms(summary.p50)} · p99 ${ms(summary.p99)} · max ${ms(summary.max)}`;
}

export function verdict(value: number, limit: number): string {
  return value <= limit ? "pass" : `**over** (×${(value / limit).toFixed(2)})`;
}

export function thousands(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}
