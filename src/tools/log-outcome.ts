import { z } from "zod";
import { CATEGORIES } from "../config.js";
import { recordOutcome, standing } from "../routing/record-outcome.js";
import { defineTool } from "./define-tool.js";

const input = z.strictObject({
  decision_id: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("The decision_id route_task returned."),
  worker: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Alias or 'host'; needed without decision_id."),
  category: z.enum(CATEGORIES).optional().describe("Needed without decision_id."),
  success: z.boolean().describe("Did the worker's result hold up?"),
  score: z.number().min(0).max(1).optional().describe("Quality 0–1."),
  notes: z
    .string()
    .max(4_000)
    .optional()
    .describe("What went well or wrong; recalled for like tasks."),
  latency_ms: z.number().int().min(0).max(86_400_000).optional().describe("Duration."),
  tokens_in: z.number().int().min(0).max(1e9).optional().describe("Worker input tokens."),
  tokens_out: z.number().int().min(0).max(1e9).optional().describe("Worker output tokens."),
});

const output = z.object({
  outcome_id: z.number().describe("The outcome as stored."),
  profile: z
    .object({
      worker: z.string().describe("The worker the outcome counts for."),
      category: z.string().describe("The kind of work."),
      n: z.number().describe("Outcomes recorded."),
      successes: z.number().describe("Outcomes that held up."),
      expected: z.number().describe("Expected success rate, 0–1, the prior included."),
    })
    .describe("The worker's record on the category, now."),
  effect: z.string().describe("What the outcome changes for routing."),
});

export const logOutcomeTool = defineTool({
  name: "log_outcome",
  title: "Log how a task went",
  description:
    "Record whether a worker's result held up, so routing learns: decision_id (or worker and " +
    "category) and success, plus what else you know. Returns the worker's updated record.",
  input,
  output,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },
  handler(args, ctx) {
    const recorded = recordOutcome(ctx, {
      decisionId: args.decision_id,
      worker: args.worker,
      category: args.category,
      success: args.success,
      score: args.score,
      notes: args.notes,
      latencyMs: args.latency_ms,
      tokensIn: args.tokens_in,
      tokensOut: args.tokens_out,
    });
    const { profile: stored } = recorded;
    const profile = {
      worker: stored.worker,
      category: stored.category,
      n: stored.n,
      successes: stored.successes,
      expected: Math.round(stored.expected * 100) / 100,
    };
    return {
      structured: { outcome_id: recorded.outcomeId, profile, effect: recorded.effect },
      text: `logged outcome ${recorded.outcomeId}: ${standing(profile)}; ${recorded.effect}`,
    };
  },
});
