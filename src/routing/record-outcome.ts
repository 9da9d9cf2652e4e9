import { CATEGORIES, type Category, COMMAND_WORKER, type SquadConfig } from "../config.js";
import { UserInputError } from "../errors.js";
import type { Profile } from "../memory/outcomes.js";
import type { Store } from "../memory/store.js";
import { priorFor } from "./decide.js";
import { betaMean } from "./posterior.js";

export interface OutcomeReport {
  decisionId?: string | undefined;
  worker?: string | undefined;
  category?: Category | undefined;
  success: boolean;
  score?: number | undefined;
  notes?: string | undefined;
  latencyMs?: number | undefined;
  tokensIn?: number | undefined;
  tokensOut?: number | undefined;
  source?: "host" | "validation" | "eval";
}

/** A command decision's provider: the squad's shell, no model. */
const COMMAND_PROVIDER = "shell";

/** What recording an outcome reads and writes; the app context is one. */
export interface OutcomeDeps {
  config: SquadConfig;
  store: Pick<Store, "decisions" | "outcomes">;
  now: () => number;
}

export interface RecordedOutcome {
  outcomeId: number;
  profile: Profile & { expected: number };
  /** One line on what this outcome changes for routing. */
  effect: string;
}

/** Persists how a worker did and reports what that does to its standing on the category. */
export function recordOutcome(ctx: OutcomeDeps, report: OutcomeReport): RecordedOutcome {
  const decision = report.decisionId ? ctx.store.decisions.get(report.decisionId) : undefined;
  if (report.decisionId && !decision) {
    throw new UserInputError(
      "decision_id",
      `no routing decision '${report.decisionId}'; use the decision_id route_task returned`,
    );
  }
  const ranCommand = decision?.provider === COMMAND_PROVIDER;
  if (ranCommand && report.worker && report.worker !== COMMAND_WORKER) {
    throw new UserInputError(
      "worker",
      `decision '${decision?.id}' routed a shell command, which the squad runs without a model; its outcome cannot count for '${report.worker}'`,
    );
  }
  const worker = ranCommand
    ? COMMAND_WORKER
    : (report.worker ?? decision?.worker ?? (decision ? "host" : undefined));
  if (!worker) throw new UserInputError("worker", "give decision_id, or worker and category");
  if (worker !== "host" && worker !== COMMAND_WORKER && !ctx.config.workers[worker]) {
    throw new UserInputError(
      "worker",
      `unknown worker '${worker}'; expected host or one of ${Object.keys(ctx.config.workers).join(", ")}`,
    );
  }
  const category = report.category ?? (decision?.category as Category | undefined);
  if (!category || !CATEGORIES.includes(category)) {
    throw new UserInputError(
      "category",
      `required without decision_id; one of ${CATEGORIES.join(", ")}`,
    );
  }
  const { outcomeId, profile } = ctx.store.outcomes.log({
    decisionId: decision?.id ?? null,
    task: decision?.task ?? null,
    worker,
    category,
    success: report.success,
    score: report.score ?? null,
    notes: report.notes ?? null,
    latencyMs: report.latencyMs ?? null,
    tokensIn: report.tokensIn ?? null,
    tokensOut: report.tokensOut ?? null,
    source: report.source ?? "host",
    at: ctx.now(),
  });
  const prior = priorFor(ctx.config, worker, category);
  const expected = betaMean({
    alpha: prior.alpha + profile.successes,
    beta: prior.beta + profile.n - profile.successes,
  });
  return {
    outcomeId,
    profile: { ...profile, expected },
    effect: describeEffect(ctx.config, worker, category, profile, expected),
  };
}

/** What the outcome changes for routing, in a clause; the standing itself is said beside it. */
function describeEffect(
  config: SquadConfig,
  worker: string,
  category: string,
  profile: Profile,
  expected: number,
): string {
  const { qualityBar, failureStreak } = config.routing;
  if (worker === "host")
    return "the host is never routed to by score, so this only feeds the stats";
  if (worker === COMMAND_WORKER)
    return "a command's outcome (the squad ran it, no model) feeds the stats and moves no worker's record";
  if (profile.failureStreak >= failureStreak) {
    return `${profile.failureStreak} failures in a row: passed over for ${category} until it succeeds again`;
  }
  if (expected >= qualityBar)
    return `clears the ${qualityBar} bar, so it stays eligible for ${category}`;
  return `below the ${qualityBar} bar, so ${category} goes to others unless exploration picks it`;
}

/** "qwen-fast 3/4 on tests, 0.85 expected": a worker's standing on a category. */
export function standing(profile: {
  worker: string;
  category: string;
  n: number;
  successes: number;
  expected: number;
}): string {
  return `${profile.worker} ${profile.successes}/${profile.n} on ${profile.category}, ${profile.expected.toFixed(2)} expected`;
}
