import { z } from "zod";
import { defineTool } from "./define-tool.js";

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const input = z.strictObject({
  task: z.string().min(1).max(20_000).describe("What the worker was asked to do."),
  output: z.string().max(2_000_000).optional().describe("The worker's output."),
  files: z
    .array(z.string().min(1).max(1_000))
    .max(100)
    .optional()
    .describe("Project files to check; the server reads them."),
  checks: z
    .strictObject({
      commands: z.array(z.string().min(1).max(20_000)).max(20).optional(),
      cwd: z.string().min(1).max(1_000).optional(),
      must_match: z.array(z.string().min(1).max(1_000)).max(20).optional(),
      must_not_match: z.array(z.string().min(1).max(1_000)).max(20).optional(),
      json_schema: z.record(z.string(), z.unknown()).optional(),
    })
    .optional()
    .describe(
      "Run first: commands must exit 0; regexes must (not) match; output must be JSON valid against json_schema.",
    ),
  validator: z.string().min(1).max(100).optional().describe("Alias (default: validator role)."),
  min_confidence: z.number().min(0).max(1).optional().describe("Below it: escalate (0.7)."),
  decision_id: z.string().min(1).max(64).optional().describe("Logs the verdict for that worker."),
});

const output = z.object({
  validation_id: z.string(),
  pass: z.boolean(),
  escalate: z.boolean(),
  confidence: z.number(),
  issues: z.array(z.string()),
  checks: z.array(z.object({ name: z.string(), pass: z.boolean(), detail: z.string() })),
  validator: z
    .object({
      worker: z.string(),
      model: z.string(),
      tokens_in: z.number(),
      tokens_out: z.number(),
      latency_ms: z.number(),
    })
    .nullable(),
});

export const validateOutputTool = defineTool({
  name: "validate_output",
  title: "Validate a worker's output",
  description:
    "Check a worker's output before you rely on it: checks run first (commands, regexes, JSON " +
    "schema), then a cheap validator model judges with their results as evidence. Returns a " +
    "compact verdict {pass, escalate, confidence, issues ≤3}; escalate means look yourself.",
  input,
  output,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(args, ctx, extra) {
    const { validateOutput } = await import("../validation/validate-output.js");
    const result = await validateOutput(
      ctx,
      {
        task: args.task,
        output: args.output,
        files: args.files,
        checks: args.checks,
        validator: args.validator,
        minConfidence: args.min_confidence ?? 0.7,
        decisionId: args.decision_id,
      },
      extra.signal,
    );
    const { validation_id, pass, escalate, confidence, issues, checks, validator } = result;
    return {
      structured: { validation_id, pass, escalate, confidence, issues, checks, validator },
      text: renderVerdict(result),
    };
  },
});

/** Validators give compact feedback: about 100 tokens at most. */
function renderVerdict(result: {
  pass: boolean;
  escalate: boolean;
  confidence: number;
  issues: string[];
  checks: { name: string; pass: boolean }[];
  validator: { worker: string } | null;
  validator_note: string | null;
  outcome: { worker: string } | null;
}): string {
  const head = `${result.pass ? "✓ pass" : "✗ fail"} · confidence ${result.confidence}${result.escalate ? " · ESCALATE: look yourself" : ""}`;
  const passed = result.checks.filter((check) => check.pass).length;
  const checks = result.checks.length
    ? `checks ${passed}/${result.checks.length} passed`
    : "no checks";
  const judge = result.validator ? `validator ${result.validator.worker}` : "no validator";
  const lines = [`${head} (${checks}; ${judge})`];
  result.issues.forEach((issue, i) => {
    lines.push(`${i + 1}. ${clip(issue, 90)}`);
  });
  if (result.validator_note && !result.validator) lines.push(clip(result.validator_note, 90));
  if (result.outcome) lines.push(`logged for ${result.outcome.worker}`);
  return clip(lines.join("\n"), 400);
}
