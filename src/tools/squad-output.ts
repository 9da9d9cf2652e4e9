import { z } from "zod";

/** The caller's say over how long a run result may be. */
export const maxCharsField = z
  .number()
  .int()
  .min(500)
  .max(100_000)
  .optional()
  .describe("Longest result in characters (default 2,000).");
