import { z } from "zod";
import type { AppContext } from "../context.js";
import type { HostCall } from "../squad/run-result.js";

/** The caller's say over how long a run result may be. */
export const maxCharsField = z
  .number()
  .int()
  .min(500)
  .max(100_000)
  .optional()
  .describe("Longest result in characters (default 2,000).");

/** What this call cost the host to write, and how much dearer its writing is than reading. */
export function hostCall(ctx: AppContext, args: unknown): HostCall {
  const { input, output } = ctx.config.host.price;
  return {
    argsChars: JSON.stringify(args).length,
    outputWeight: input > 0 ? output / input : 1,
  };
}
