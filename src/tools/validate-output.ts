import { z } from "zod";
import { oneLine } from "../text/clip.js";
import type { ValidationResult } from "../validation/validate-output.js";
import { clipIssue } from "../validation/verdict.js";
import { defineTool } from "./define-tool.js";

const input = z.strictObject({
  task: z.string().min(1).max(20_000).describe("What the worker was asked to do."),
  output: z.string().max(2_000_000).optional().describe("The worker's output."),
  files: z
    .array(z.string().min(1).max(1_000))
    .max(100)
    .optional()
    .describe("Files to check; the server reads them."),
  checks: z
    .strictObject({
      commands: z.array(z.string().min(1).max(20_000)).max(20).optional(),
      cwd: z.string().min(1).max(1_000).optional().describe("Commands' folder."),
      must_match: z.array(z.string().min(1).max(1_000)).max(20).optional(),
      must_not_match: z.array(z.string().min(1).max(1_000)).max(20).optional(),
      json_schema: z.record(z.string(), z.unknown()).optional(),
    })
    .optional()
    .describe(
      "Run first: commands exit 0, regexes (don't) match, output is JSON fitting json_schema.",
    ),
  validator: z.string().min(1).max(100).optional().describe("Alias (default: validator role)."),
  min_confidence: z.number().min(0).max(1).optional().describe("Below it: escalate (0.7)."),
  decision_id: z.string().min(1).max(64).optional().describe("Logs the verdict for that worker."),
});

const output = z.object({
  validation_id: z.string().describe("The verdict as stored."),
  pass: z
    .boolean()
    .describe("Whether the output holds up: every check passed and the validator agreed."),
  escalate: z
    .literal(true)
    .optional()
    .describe("Look yourself: checks and validator disagree, or low confidence."),
  confidence: z.number().describe("0–1."),
  issues: z
    .array(z.string())
    .optional()
    .describe("What is wrong, beyond the failed checks; at most 3."),
  checks: z
    .object({
      passed: z.number().describe("Checks that passed."),
      of: z.number().describe("Checks that ran."),
      failed: z
        .array(z.string())
        .optional()
        .describe("Each check that failed: the command or pattern — what it found."),
    })
    .optional()
    .describe("The checks that ran first."),
  validator: z.string().optional().describe("The alias that judged the output."),
  validator_note: z.string().optional().describe("Why no validator judged it."),
  outcome: z
    .object({
      outcome_id: z.number().describe("The outcome as stored."),
      worker: z.string().describe("The routed worker the verdict counts for."),
      effect: z.string().describe("What the outcome changes for routing."),
    })
    .optional()
    .describe("What was logged for the routed worker (with decision_id)."),
});

/** A check's name is the command or pattern itself: enough of it to recognise. */
const CHECK_NAME_CHARS = 80;
const CHECK_DETAIL_CHARS = 120;

/** Validators give compact feedback: a few issues of about 15 words. */
const ISSUE_CHARS = 90;

/** The issues, less those that only repeat a failed check (listed under checks.failed). */
function issuesBeyondChecks(result: ValidationResult): string[] {
  const repeated = new Set(
    result.checks
      .filter((check) => !check.pass)
      .map((check) => clipIssue(`${check.name}: ${check.detail}`)),
  );
  return result.issues.filter((issue) => !repeated.has(issue));
}

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
    const structured = toStructured(result);
    return { structured, text: renderVerdict(structured) };
  },
});

function toStructured(result: ValidationResult): z.infer<typeof output> {
  return {
    validation_id: result.validation_id,
    pass: result.pass,
    ...(result.escalate ? { escalate: true as const } : {}),
    confidence: result.confidence,
    issues: issuesBeyondChecks(result).map((issue) => oneLine(issue, ISSUE_CHARS)),
    ...(result.checks.length > 0
      ? {
          checks: {
            passed: result.checks.filter((check) => check.pass).length,
            of: result.checks.length,
            failed: result.checks
              .filter((check) => !check.pass)
              .map(
                (check) =>
                  `${oneLine(check.name, CHECK_NAME_CHARS)} — ${oneLine(check.detail, CHECK_DETAIL_CHARS)}`,
              ),
          },
        }
      : {}),
    validator: result.validator?.worker,
    validator_note: result.validator ? undefined : (result.validator_note ?? undefined),
    outcome: result.outcome ?? undefined,
  };
}

/** The verdict as lines: head, each check, each issue, what was logged. */
function renderVerdict(result: z.infer<typeof output>): string {
  const checks = result.checks;
  const lines = [
    [
      result.pass ? "✓ pass" : "✗ fail",
      `confidence ${result.confidence}`,
      result.escalate ? "ESCALATE: look yourself" : "",
      checks ? `checks ${checks.passed}/${checks.of} passed` : "no checks",
      result.validator ? `validator ${result.validator}` : "no validator",
      result.validation_id,
    ]
      .filter(Boolean)
      .join(" · "),
  ];
  for (const check of checks?.failed ?? []) lines.push(`✗ ${check}`);
  (result.issues ?? []).forEach((issue, i) => {
    lines.push(`${i + 1}. ${issue}`);
  });
  if (result.validator_note) lines.push(result.validator_note);
  if (result.outcome) {
    lines.push(
      `logged outcome ${result.outcome.outcome_id} for ${result.outcome.worker}: ${result.outcome.effect}`,
    );
  }
  return lines.join("\n");
}
