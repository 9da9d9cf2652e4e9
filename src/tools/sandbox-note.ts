import { z } from "zod";
import type { AppContext } from "../context.js";

/** The optional result field that says commands ran without a sandbox. */
export const sandboxField = z
  .literal("none")
  .optional()
  .describe("Set when commands ran unsandboxed (see doctor).");

/** `{ sandbox: "none" }` and a line for the text when commands here run unsandboxed, else nothing. */
export async function sandboxNote(
  ctx: AppContext,
): Promise<{ field: { sandbox?: "none" }; line: string }> {
  const state = await ctx.commands.sandboxState();
  if (state.sandboxed) return { field: {}, line: "" };
  return { field: { sandbox: "none" }, line: `\nsandbox: none (${state.why})` };
}
