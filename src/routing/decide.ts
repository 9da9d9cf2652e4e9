import type { Category, Provider, SquadConfig } from "../config.js";
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
  provider: Provider | "host" | "shell";
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

/** What a decision says about the task whoever does it. */
type TaskAssessment = Pick<
  Decision,
  "category" | "complexity" | "needsSkill" | "skills" | "possibleSkills" | "commands"
>;

export function decideRoute(request: RouteRequest, state: RoutingState): Decision {
  const { config } = state;
  const kind = request.kind ?? taskKind(request.task, null);
  const task = assessTask(request, kind, state);
  const ruled = hostByRule(task, config);
  if (ruled) return hostDecision(task, config, ruled);
  if (kind.kind === "command") return commandDecision(task, kind);
  const beyond = beyondWorkers(kind, task.complexity, config);
  if (beyond) return hostDecision(task, config, beyond);
  return modelDecision(request, task, state);
}

/** Category, complexity and the host's skills that apply. */
function assessTask(request: RouteRequest, kind: TaskKind, state: RoutingState): TaskAssessment {
  const { category } = kind;
  const verdict = matchSkills(request.task, state.skills, {
    required: state.config.skills.required,
    threshold: state.config.skills.threshold,
    mechanical: MECHANICAL.has(category),
  });
  return {
    category,
    complexity: scoreComplexity(request.task, request.context, category),
    needsSkill: verdict.needsSkill,
    skills: verdict.matches,
    possibleSkills: verdict.near.map((skill) => skill.name),
    commands: [],
  };
}

/** Why the host keeps the task whatever it is: a host category, or a skill it needs. */
function hostByRule(task: TaskAssessment, config: SquadConfig): string | null {
  const skillNote = `needs the host's skill: ${task.skills.map(describeMatch).join(", ")}`;
  if (config.routing.hostCategories.includes(task.category)) {
    const also = task.needsSkill ? `; it also ${skillNote}` : "";
    return `${task.category} work stays with the host (routing.hostCategories)${also}`;
  }
  return task.needsSkill ? skillNote : null;
}

/** Why no worker should try a task that is not a command: none to run, or too complex. */
function beyondWorkers(
  kind: Exclude<TaskKind, { kind: "command" }>,
  complexity: ComplexityScore,
  config: SquadConfig,
): string | null {
  if (kind.unknownCommand) {
    return `this asks to run the ${kind.unknownCommand} but the project shows no command for it (no package.json script, Makefile target, pytest, Cargo or Go project found); give spawn_squad the literal command, or run it yourself`;
  }
  if (complexity.score >= config.routing.hostComplexity) {
    return `complexity ${complexity.score} ≥ ${config.routing.hostComplexity} stays with the host (${complexity.factors.join(", ")})`;
  }
  return null;
}

function hostDecision(task: TaskAssessment, config: SquadConfig, rationale: string): Decision {
  return {
    ...task,
    kind: "host",
    route: "host",
    worker: null,
    provider: "host",
    model: null,
    confidence: config.host.expectedSuccess,
    rationale,
    fallbacks: [],
    evidence: null,
    loaded: true,
  };
}

/** The worker that should do it, by track record, price or speed; the host when none clears the bar. */
function modelDecision(request: RouteRequest, task: TaskAssessment, state: RoutingState): Decision {
  const { config } = state;
  const { category } = task;
  const { candidates, unusable } = findCandidates(request, task.complexity.score, state);
  if (candidates.length === 0) return hostDecision(task, config, unusable);
  const selection = chooseWorker(candidates, state.records(category), {
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
    return hostDecision(
      task,
      config,
      `no worker clears the ${config.routing.qualityBar} bar on ${category} (${detail})`,
    );
  }
  const worker = config.workers[chosen.alias];
  if (!worker) throw new Error(`chosen alias ${chosen.alias} has no config`);
  const notes = [selection.preferenceNote, passedOverNote(selection.passedOver)].filter(Boolean);
  return {
    ...task,
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
