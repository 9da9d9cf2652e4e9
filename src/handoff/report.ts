import type { FileAction } from "./spec.js";

export type Verdict = "pass" | "fail";

export interface ChangedFile {
  path: string;
  /** Lines added and removed, as `git diff --numstat` counts them. */
  added: number;
  removed: number;
  /** Shown in the Files Changed table when known (from the diff or the coder's answer). */
  action?: FileAction;
}

export interface VerificationResult {
  command: string;
  /** null when the command never exited by itself (timed out, killed, cancelled). */
  exit_code: number | null;
  /** The digest of its output: failing test ids and the lines around them, not the full log. */
  digest: string;
}

/** One coder's result in competitive (best-of-N) mode. */
export interface CandidateResult {
  worker: string;
  verdict: Verdict;
  attempts: number;
  files_changed: number;
  blockers: string[];
  deviations: string[];
}

/** A Code Report: what the coder did to a spec and whether it verified. */
export interface CodeReport {
  spec_id: string;
  verdict: Verdict;
  attempts: number;
  /** The alias whose implementation this report describes. */
  worker: string;
  files_changed: ChangedFile[];
  verification: VerificationResult;
  blockers: string[];
  deviations: string[];
  /** Competitive mode: every candidate, ranked best first; the first is the one reported. */
  candidates?: CandidateResult[];
}
