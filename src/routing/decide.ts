import type { Category, SquadConfig } from "../config.js";
import type { WorkerAvailability } from "../runners/availability.js";
import { MECHANICAL } from "./category.js";
import { type ComplexityScore, scoreComplexity, type TaskContext } from "./complexity.js";
import { type TaskKind, taskKind } from "./kind.js";
import type { Beta } from "./posterior.js";
import {
  type Candidate,
  chooseWorker,
  type Preference,
  type Scored,
  type TrackRecord,
} from "./select.js";
import { matchSkills, type Skill, type SkillMatch } from "./skills.js";

export interface RouteRequest {
  task: string;
  context: TaskContext;
  prefer?: Preference | undefined;
  exclude: readonly string[];
  /** What the task is, read against the project (`taskKind`); literal commands only if absent. */
  kind?: TaskKind | undefined;
}

/** Everything a decision depends on besides the request, injected so deciding is pure. */
export interface RoutingState {
  config: SquadConfig;
  skills: readonly Skill[];
  availability: ReadonlyMap<string, WorkerAvailability>;
  records: (category: Category) => ReadonlyMap<string, TrackRecord>;
  random: () => number;
}

export interface Decision {
  /** command: the squad runs it, no model; model: a worker alias writes it; host: you do. */
  kind: "command" | "model" | "host";
  route: "host" | "squad";
  worker: string | null;
  provider: "ollama" | "gemini" | "host" | "shell";
  /** The command(s) to give spawn_squad when they were inferred from the project. */
  commands: string[];
  model: string | null;
  category: Category;
  complexity: ComplexityScore;
  needsSkill: boolean;
  skills: SkillMatch[];
  /** Skills that came close to applying: the host should check them before delegating. */
  possibleSkills: string[];
  confidence: number;
  rationale: string;
  fallbacks: string[];
  evidence: { n: number; successes: number; expected: number } | null;
  loaded: boolean;
}

export function decideRoute(request: RouteRequest, state: RoutingState): Decision {
  const { config } = state;
  const kind = request.kind ?? taskKind(request.task, null);
  const { category } = kind;
  const complexity = scoreComplexity(request.task, request.context, category);
  const verdict = matchSkills(request.task, state.skills, {
    required: config.skills.required,
    threshold: config.skills.threshold,
    mechanical: MECHANICAL.has(category),
  });
  const base = {
    category,
    complexity,
    needsSkill: verdict.needsSkill,
    skills: verdict.matches,
    possibleSkills: verdict.near.map((skill) => skill.name),
    commands: [],
  };
  const toHost = (rationale: string, fallbacks: string[] = []): Decision => ({
    ...base,
    kind: "host",
    route: "host",
    worker: null,
    provider: "host",
    model: null,
    confidence: config.host.expectedSuccess,
    rationale,
    fallbacks,
    evidence: null,
    loaded: true,
  });

  const skillNote = `needs the host's skill: ${verdict.matches.map(describeMatch).join(", ")}`;
  if (config.routing.hostCategories.includes(category)) {
    const also = verdict.needsSkill ? `; it also ${skillNote}` : "";
    return toHost(`${category} work stays with the host (routing.hostCategories)${also}`);
  }
  if (verdict.needsSkill) return toHost(skillNote);
  if (kind.kind === "command") return commandDecision(base, kind);
  if (kind.unknownCommand) {
    return toHost(
      `this asks to run the ${kind.unknownCommand} but the project shows no command for it (no package.json script, Makefile target, pytest, Cargo or Go project found); give spawn_squad the literal command, or run it yourself`,
    );
  }
  if (complexity.score >= config.routing.hostComplexity) {
    return toHost(
      `complexity ${complexity.score} ≥ ${config.routing.hostComplexity} stays with the host (${complexity.factors.join(", ")})`,
    );
  }

  const { candidates, unusable } = findCandidates(request, complexity.score, state);
  if (candidates.length === 0) return toHost(unusable);

  const records = state.records(category);
  const selection = chooseWorker(candidates, records, {
    qualityBar: config.routing.qualityBar,
    exploration: config.routing.exploration,
    failureStreak: config.routing.failureStreak,
    prior: (alias) => priorFor(config, alias, category),
    prefer: request.prefer,
    random: state.random,
  });
  const { chosen } = selection;
  if (!chosen) {
    const detail = selection.passedOver.map((p) => `${p.alias} ${p.reason}`).join("; ");
    return toHost(
      `no worker clears the ${config.routing.qualityBar} bar on ${category} (${detail})`,
    );
  }
  const worker = config.workers[chosen.alias];
  if (!worker) throw new Error(`chosen alias ${chosen.alias} has no config`);
  const notes = [selection.preferenceNote, passedOverNote(selection.passedOver)].filter(Boolean);
  return {
    ...base,
    kind: "model",
    route: "squad",
    worker: chosen.alias,
    provider: worker.provider,
    model: worker.model,
    confidence: round2(chosen.expected),
    rationale: [
      squadReason(chosen, category, selection.explored, request.prefer, config),
      ...notes,
    ].join("; "),
    fallbacks: selection.fallbacks.map((f) => f.alias),
    evidence: { n: chosen.n, successes: chosen.successes, expected: round2(chosen.expected) },
    loaded: chosen.loaded,
  };
}

/** A command: the squad runs it as given, with no model; there is no worker to choose. */
function commandDecision(
  base: Pick<Decision, "category" | "complexity" | "needsSkill" | "skills" | "possibleSkills">,
  kind: Extract<TaskKind, { kind: "command" }>,
): Decision {
  const what = kind.commands.length
    ? `the project's ${kind.category} command for spawn_squad: \`${kind.commands.join(" && ")}\` (from ${kind.source})`
    : "a shell command for spawn_squad, as given";
  return {
    ...base,
    kind: "command",
    route: "squad",
    worker: null,
    provider: "shell",
    model: null,
    commands: kind.commands,
    confidence: 1,
    rationale: `${what}; no model is involved, so no worker is chosen and its outcome moves no worker's record`,
    fallbacks: [],
    evidence: null,
    loaded: true,
  };
}

function findCandidates(
  request: RouteRequest,
  complexity: number,
  state: RoutingState,
): { candidates: Candidate[]; unusable: string } {
  const candidates: Candidate[] = [];
  const notUsable: string[] = [];
  const tooHard: string[] = [];
  for (const [alias, worker] of Object.entries(state.config.workers)) {
    if (request.exclude.includes(alias)) continue;
    const availability = state.availability.get(alias);
    if (!availability?.usable) {
      notUsable.push(availability?.reason ?? "not probed");
    } else if (worker.maxComplexity < complexity) {
      tooHard.push(`${alias} max ${worker.maxComplexity}`);
    } else {
      candidates.push({ alias, worker, loaded: availability.loaded });
    }
  }
  const reasons: string[] = [];
  if (tooHard.length) reasons.push(`complexity ${complexity} is above ${tooHard.join(", ")}`);
  if (notUsable.length) reasons.push(...new Set(notUsable));
  if (request.exclude.length) reasons.push(`excluded: ${request.exclude.join(", ")}`);
  return { candidates, unusable: `no usable worker: ${reasons.join("; ") || "none configured"}` };
}

export function priorFor(config: SquadConfig, alias: string, category: string): Beta {
  const perAlias = config.routing.priors[alias];
  const prior = perAlias?.[category] ?? perAlias?.["*"] ?? config.routing.prior;
  return { alpha: prior.successes, beta: prior.failures };
}

function squadReason(
  chosen: Scored,
  category: Category,
  explored: boolean,
  prefer: Preference | undefined,
  config: SquadConfig,
): string {
  const record = `${chosen.alias} ${chosen.successes}/${chosen.n} on ${category}, ${chosen.expected.toFixed(2)} expected`;
  if (explored)
    return `exploring: posterior draw ${chosen.judged.toFixed(2)} cleared the ${config.routing.qualityBar} bar (${record})`;
  if (prefer === "fastest")
    return `quickest worker clearing the ${config.routing.qualityBar} bar (${record})`;
  return `cheapest worker clearing the ${config.routing.qualityBar} bar (${record})`;
}

function passedOverNote(passedOver: { alias: string; reason: string }[]): string | null {
  const streaks = passedOver.filter((p) => p.reason.includes("in a row"));
  return streaks.length
    ? `passed over ${streaks.map((p) => `${p.alias} (${p.reason})`).join(", ")}`
    : null;
}

function describeMatch(match: SkillMatch): string {
  if (match.why === "named") return `${match.name} (named)`;
  if (match.why === "keyword") return `${match.name} (required keyword)`;
  return `${match.name} (relevance ${match.score.toFixed(1)})`;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
