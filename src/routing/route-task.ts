import type { SquadConfig } from "../config.js";
import { UserInputError } from "../errors.js";
import { newDecisionId } from "../memory/decisions.js";
import type { SimilarTask } from "../memory/similar.js";
import type { Store } from "../memory/store.js";
import type { BackendAvailability } from "../runners/availability.js";
import { type Decision, decideRoute, type RouteRequest } from "./decide.js";
import { taskKind } from "./kind.js";
import type { Skill } from "./skills.js";

/** What routing a task reads and writes; the app context is one. */
export interface RoutingDeps {
  config: SquadConfig;
  projectRoot: string;
  availability: Pick<BackendAvailability, "snapshot">;
  skills(): Skill[];
  store: Pick<Store, "outcomes" | "similar" | "decisions">;
  random: () => number;
  now: () => number;
}

export interface RoutedTask {
  decisionId: string;
  decision: Decision;
  similar: SimilarTask[];
}

/** Decides who should do a task, remembers the decision, and recalls similar past tasks. */
export async function routeTask(ctx: RoutingDeps, request: RouteRequest): Promise<RoutedTask> {
  checkAliases(ctx, "exclude", request.exclude);
  const availability = await ctx.availability.snapshot();
  const kind = request.kind ?? taskKind(request.task, ctx.projectRoot);
  const decision = decideRoute(
    { ...request, kind },
    {
      config: ctx.config,
      skills: ctx.skills(),
      availability: availability.workers,
      records: (category) => ctx.store.outcomes.profilesFor(category),
      random: ctx.random,
    },
  );
  const similar = ctx.store.similar.find(request.task);
  const decisionId = newDecisionId();
  ctx.store.decisions.save({
    id: decisionId,
    createdAt: ctx.now(),
    task: request.task,
    context: request.context,
    prefer: request.prefer ?? null,
    route: decision.route,
    worker: decision.worker,
    provider: decision.provider,
    model: decision.model,
    category: decision.category,
    complexity: decision.complexity.score,
    needsSkill: decision.needsSkill,
    skills: decision.skills.map((skill) => skill.name),
    confidence: decision.confidence,
    rationale: decision.rationale,
    fallbacks: decision.fallbacks,
  });
  return { decisionId, decision, similar };
}

export function checkAliases(
  ctx: { config: SquadConfig },
  field: string,
  aliases: readonly string[],
): void {
  const unknown = aliases.filter((alias) => !ctx.config.workers[alias]);
  if (unknown.length > 0) {
    throw new UserInputError(
      field,
      `unknown worker ${unknown.map((a) => `'${a}'`).join(", ")}; expected one of ${Object.keys(ctx.config.workers).join(", ")}`,
    );
  }
}
