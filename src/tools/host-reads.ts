import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** What a tool result may cost the host model to read, unless the caller asked for more. */
export const RESULT_BUDGET_CHARS = 2_000;
/**
 * The structured result may be this much longer than the text, or `JSON_SLACK_CHARS` longer
 * when that is more: on a result of a few hundred characters the field names alone make the
 * difference (up to 150 characters, about 40 tokens), which no reader feels.
 */
export const JSON_TO_TEXT_RATIO = 1.15;
export const JSON_SLACK_CHARS = 150;

export interface HostReads {
  /** Characters of `JSON.stringify(structuredContent)`: what Claude Code and VS Code show the model. */
  json: number;
  /** Characters of the text content: what clients that read `content` show the model. */
  text: number;
  /** The larger of the two: what a budget is held to. */
  most: number;
}

/**
 * What a model reads of a tool result. Claude Code and VS Code pass the model the JSON of
 * `structuredContent` when a result has one and drop the text; other clients read the text.
 */
export function hostReads(
  result: Pick<CallToolResult, "content" | "structuredContent">,
): HostReads {
  const json = result.structuredContent ? JSON.stringify(result.structuredContent).length : 0;
  const text = (result.content ?? []).reduce(
    (sum, part) => sum + (part.type === "text" ? part.text.length : 0),
    0,
  );
  return { json, text, most: Math.max(json, text) };
}

/** Why a result breaks its budget, or null when it keeps it. */
export function overBudget(reads: HostReads, maxChars = RESULT_BUDGET_CHARS): string | null {
  if (reads.most > maxChars) return `${reads.most} characters to read, over ${maxChars}`;
  const allowed = Math.max(reads.text * JSON_TO_TEXT_RATIO, reads.text + JSON_SLACK_CHARS);
  if (reads.json > allowed) {
    return `structured JSON of ${reads.json} characters against ${reads.text} of text (over ${Math.floor(allowed)})`;
  }
  return null;
}
