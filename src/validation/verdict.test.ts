import { describe, expect, it } from "vitest";
import { type CheckOutcome, decideVerdict, type ValidatorPart } from "./verdict.js";

const ok = (name: string): CheckOutcome => ({ name, pass: true, detail: "ok" });
const bad = (name: string): CheckOutcome => ({ name, pass: false, detail: "exit 1" });
const said = (pass: boolean, confidence: number, issues: string[] = []): ValidatorPart => ({
  kind: "answered",
  answer: { pass, confidence, issues, escalate: false },
});
const down: ValidatorPart = { kind: "unavailable", why: "GEMINI_API_KEY not set" };

describe("decideVerdict", () => {
  it("passes when checks and validator agree, with the validator's confidence", () => {
    expect(decideVerdict([ok("tests")], said(true, 0.9), 0.7)).toEqual({
      pass: true,
      escalate: false,
      confidence: 0.9,
      issues: [],
    });
  });

  it("fails on any failed check and escalates when the validator disagrees", () => {
    const verdict = decideVerdict([ok("lint"), bad("tests")], said(true, 0.95), 0.7);
    expect(verdict).toMatchObject({ pass: false, escalate: true, confidence: 0.5 });
    expect(verdict.issues).toEqual(["tests: exit 1", "the validator passed it, but checks failed"]);
  });

  it("escalates when the validator fails an output every check passed", () => {
    const verdict = decideVerdict([ok("tests")], said(false, 0.9, ["wrong file"]), 0.7);
    expect(verdict).toMatchObject({ pass: false, escalate: true });
  });

  it("escalates below min_confidence", () => {
    expect(decideVerdict([], said(true, 0.6), 0.7)).toMatchObject({ pass: true, escalate: true });
    expect(decideVerdict([], said(true, 0.6), 0.5)).toMatchObject({ pass: true, escalate: false });
  });

  it("rests on the checks when no validator is usable", () => {
    expect(decideVerdict([ok("tests")], down, 0.7)).toEqual({
      pass: true,
      escalate: false,
      confidence: 0.8,
      issues: [],
    });
    expect(decideVerdict([bad("tests")], down, 0.7)).toMatchObject({ pass: false, confidence: 1 });
  });

  it("fails and escalates when nothing at all could judge the output", () => {
    const verdict = decideVerdict([], down, 0.7);
    expect(verdict).toMatchObject({ pass: false, escalate: true, confidence: 0 });
    expect(verdict.issues).toEqual(["nothing could judge this output: GEMINI_API_KEY not set"]);
  });

  it("escalates when the validator failed to answer, keeping the checks' verdict", () => {
    const failed: ValidatorPart = { kind: "failed", why: "flash answered invalid JSON twice" };
    expect(decideVerdict([ok("tests")], failed, 0.7)).toMatchObject({ pass: true, escalate: true });
  });

  it("keeps at most 3 issues of at most 200 characters", () => {
    const long = "x".repeat(500);
    const verdict = decideVerdict(
      [bad("a"), bad("b")],
      said(false, 0.9, [long, "more", "and more"]),
      0.7,
    );
    expect(verdict.issues).toHaveLength(3);
    expect(verdict.issues.every((issue) => issue.length <= 200)).toBe(true);
  });
});
