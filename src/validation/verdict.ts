import { oneLine } from "../text/clip.js";

/** One deterministic check and how it went. */
export interface CheckOutcome {
  name: string;
  pass: boolean;
  detail: string;
}

/** What the validator model answered (the checkpoint JSON), once it parsed. */
export interface ValidatorAnswer {
  pass: boolean;
  issues: string[];
  confidence: number;
  escalate: boolean;
}

/** The validator's part: its answer, or why there is none. */
export type ValidatorPart =
  | { kind: "answered"; answer: ValidatorAnswer }
  | { kind: "failed"; why: string }
  | { kind: "unavailable"; why: string };

export interface Verdict {
  pass: boolean;
  escalate: boolean;
  confidence: number;
  issues: string[];
}

export const MAX_ISSUES = 3;
export const MAX_ISSUE_CHARS = 200;
/** Confidence in a verdict resting on checks alone when they all passed: they cover only what they test. */
const CHECKS_ONLY_CONFIDENCE = 0.8;

/**
 * Combines checks that ran with the validator's opinion. Checks are evidence and win: any
 * failed check fails the output. Disagreement, low confidence, a validator that failed, or
 * nothing able to judge at all sends the decision up to the host.
 */
export function decideVerdict(
  checks: readonly CheckOutcome[],
  validator: ValidatorPart,
  minConfidence: number,
): Verdict {
  const failed = checks.filter((check) => !check.pass);
  const checkIssues = failed.map((check) => `${check.name}: ${check.detail}`);
  const checksPass = failed.length === 0;

  if (validator.kind !== "answered") {
    if (checks.length === 0) {
      return verdict(false, true, 0, [`nothing could judge this output: ${validator.why}`]);
    }
    const why = validator.kind === "failed" ? [`validator failed: ${validator.why}`] : [];
    // A failing check is certain; passing checks only vouch for what they test.
    const confidence = checksPass ? CHECKS_ONLY_CONFIDENCE : 1;
    return verdict(
      checksPass,
      validator.kind === "failed" || confidence < minConfidence,
      confidence,
      [...checkIssues, ...why],
    );
  }

  const { answer } = validator;
  const disagree = checks.length > 0 && answer.pass !== checksPass;
  const confidence = disagree ? Math.min(answer.confidence, 0.5) : answer.confidence;
  const issues = [
    ...checkIssues,
    ...(disagree && answer.pass ? ["the validator passed it, but checks failed"] : []),
    ...(disagree && !answer.pass ? ["the validator failed it, though every check passed"] : []),
    ...answer.issues,
  ];
  return verdict(
    checksPass && answer.pass,
    disagree || answer.escalate || confidence < minConfidence,
    confidence,
    issues,
  );
}

function verdict(pass: boolean, escalate: boolean, confidence: number, issues: string[]): Verdict {
  return {
    pass,
    escalate,
    confidence: Math.round(Math.min(1, Math.max(0, confidence)) * 100) / 100,
    issues: issues.slice(0, MAX_ISSUES).map(clipIssue),
  };
}

export function clipIssue(text: string): string {
  return oneLine(text, MAX_ISSUE_CHARS);
}
