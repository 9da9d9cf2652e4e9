import type { Db } from "./db.js";

export interface ToolCallCost {
  tool: string;
  at: number;
  /** Characters of the arguments the host wrote. */
  argsChars: number;
  /** Characters of the result the host read (the larger of its JSON and its text). */
  readChars: number;
  /** Characters of code the host did not have to write (an applied patch's added lines). */
  writtenChars?: number;
}

/** One row per tool call: what reading and writing it cost the host, for the ledger. */
export function createToolCallStore(db: Db) {
  const insert = db.prepare<[number, string, number, number, number]>(
    "INSERT INTO tool_calls (at, tool, args_chars, read_chars, written_chars) VALUES (?, ?, ?, ?, ?)",
  );
  return {
    record(call: ToolCallCost): void {
      insert.run(call.at, call.tool, call.argsChars, call.readChars, call.writtenChars ?? 0);
    },
  };
}
