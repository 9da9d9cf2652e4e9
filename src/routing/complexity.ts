import type { Category } from "../config.js";

export interface TaskContext {
  /** How many files the task touches. */
  files?: number | undefined;
  paths?: string[] | undefined;
  requiresTests?: boolean | undefined;
}

export interface ComplexityScore {
  score: number;
  /** What raised the score, e.g. `refactor +2`, readable by the host. */
  factors: string[];
}

const CUE_WEIGHTS: [RegExp, string, number][] = [
  [/\b(refactor\w*|architect\w*|migrat\w*|redesign\w*)\b/, "refactor/architect/migrate", 2],
  [
    /\b(secur\w*|auth\w*|vulnerab\w*|crypt\w*|permission\w*|injection|sanitiz\w*|secrets?)\b/,
    "security",
    2,
  ],
  [
    /\b(concurren\w*|race conditions?|deadlock\w*|distributed|thread\w*|transaction\w*)\b/,
    "concurrency",
    1.5,
  ],
  [/\b(performance|optimi[sz]\w*|latency|memory leak\w*)\b/, "performance", 1],
];

const CATEGORY_WEIGHTS: Partial<Record<Category, number>> = {
  architecture: 3,
  debug: 1.5,
  review: 1,
  refactor: 1,
  codegen: 1,
};

const round1 = (value: number) => Math.round(value * 10) / 10;

/** A complexity heuristic; 0 is a one-line command, 10 is the director's own work. */
export function scoreComplexity(
  task: string,
  context: TaskContext,
  category: Category,
): ComplexityScore {
  const factors: [string, number][] = [];
  const lower = task.toLowerCase();
  const wordCount = task.split(/\s+/).filter(Boolean).length;
  factors.push([`length ${wordCount} words`, Math.min(3, wordCount / 50)]);
  for (const [pattern, label, weight] of CUE_WEIGHTS)
    if (pattern.test(lower)) factors.push([label, weight]);
  const files = Math.max(context.files ?? 0, context.paths?.length ?? 0);
  if (files > 1) factors.push([`${files} files`, files > 10 ? 2.5 : 1.5]);
  if (context.requiresTests) factors.push(["tests required", 2]);
  const categoryWeight = CATEGORY_WEIGHTS[category];
  if (categoryWeight) factors.push([`${category} work`, categoryWeight]);
  const score = round1(
    Math.min(
      10,
      factors.reduce((sum, [, weight]) => sum + weight, 0),
    ),
  );
  const shown = factors.filter(([, weight]) => round1(weight) > 0);
  return { score, factors: shown.map(([label, weight]) => `${label} +${round1(weight)}`) };
}
