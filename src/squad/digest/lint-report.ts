import type { Finding } from "./types.js";

/** Errors first, in the order printed, so a cap never hides an error behind warnings. */
export function errorsFirst(findings: Finding[]): Finding[] {
  return [
    ...findings.filter((f) => f.severity !== "warning"),
    ...findings.filter((f) => f.severity === "warning"),
  ];
}

export function distinctFiles(findings: Finding[]): number {
  return new Set(findings.map((f) => f.id)).size;
}
