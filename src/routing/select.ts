import type { WorkerConfig } from "../config.js";
import { type Beta, betaMean, sampleBeta } from "./posterior.js";

export type Preference = "local" | "cloud" | "cheapest" | "fastest";

/** A worker that is usable now and capable of the task's complexity. */
export interface Candidate {
  alias: string;
  worker: WorkerConfig;
  /** True when no model load stands between the worker and the task. */
  loaded: boolean;
}

/** What has been observed of a worker on a category. */
export interface TrackRecord {
  n: number;
  successes: number;
  failureStreak: number;
  meanLatencyMs: number | null;
}

export interface Scored {
  alias: string;
  n: number;
  successes: number;
  expected: number;
  /** The value that was compared with the bar: the mean, or a posterior draw when exploring. */
  judged: number;
  costUsd: number;
  seconds: number;
  loaded: boolean;
}

export interface Selection {
  chosen: Scored | null;
  /** Eligible workers after the chosen one, best first. */
  fallbacks: Scored[];
  passedOver: { alias: string; reason: string }[];
  explored: boolean;
  /** Set when a `local`/`cloud` preference could not be honoured. */
  preferenceNote: string | null;
}

export interface SelectionPolicy {
  qualityBar: number;
  exploration: number;
  failureStreak: number;
  prior: (alias: string) => Beta;
  prefer: Preference | undefined;
  random: () => number;
}

/** The token budget a cost estimate assumes for one delegated task. */
const TYPICAL_TOKENS = { input: 2000, output: 500 };
/** Bringing a model into memory costs tens of seconds. */
const LOAD_SECONDS = 20;

export function estimateCostUsd(worker: WorkerConfig): number {
  return (
    (TYPICAL_TOKENS.input * worker.price.input + TYPICAL_TOKENS.output * worker.price.output) / 1e6
  );
}

function estimateSeconds(candidate: Candidate, record: TrackRecord | undefined): number {
  const generation =
    record?.meanLatencyMs != null && record.n >= 3
      ? record.meanLatencyMs / 1000
      : TYPICAL_TOKENS.output / candidate.worker.tokensPerSecond;
  return generation + (candidate.loaded ? 0 : LOAD_SECONDS);
}

/**
 * The cheapest candidate whose expected success clears the bar (or, when `fastest` is asked,
 * the quickest). A share of decisions judge by a posterior draw instead of the mean, so a
 * worker that was unlucky early still gets the occasional chance to recover.
 */
export function chooseWorker(
  candidates: readonly Candidate[],
  records: ReadonlyMap<string, TrackRecord>,
  policy: SelectionPolicy,
): Selection {
  const { pool, preferenceNote } = applyPreference(candidates, policy.prefer);
  const explored = policy.exploration > 0 && policy.random() < policy.exploration;
  const passedOver: Selection["passedOver"] = [];
  const eligible: Scored[] = [];
  for (const candidate of pool) {
    const record = records.get(candidate.alias);
    const scored = score(candidate, record, policy, explored);
    if (record && record.failureStreak >= policy.failureStreak) {
      passedOver.push({
        alias: candidate.alias,
        reason: `${record.failureStreak} failures in a row`,
      });
    } else if (scored.judged < policy.qualityBar) {
      passedOver.push({
        alias: candidate.alias,
        reason: `${scored.judged.toFixed(2)} < bar ${policy.qualityBar}${explored ? " (sampled)" : ""}`,
      });
    } else {
      eligible.push(scored);
    }
  }
  eligible.sort(policy.prefer === "fastest" ? byTimeThenCost : byCostThenReadiness);
  const [chosen = null, ...fallbacks] = eligible;
  return { chosen, fallbacks, passedOver, explored, preferenceNote };
}

function score(
  candidate: Candidate,
  record: TrackRecord | undefined,
  policy: SelectionPolicy,
  explore: boolean,
): Scored {
  const prior = policy.prior(candidate.alias);
  const successes = record?.successes ?? 0;
  const n = record?.n ?? 0;
  const posterior = { alpha: prior.alpha + successes, beta: prior.beta + (n - successes) };
  const expected = betaMean(posterior);
  return {
    alias: candidate.alias,
    n,
    successes,
    expected,
    judged: explore ? sampleBeta(posterior, policy.random) : expected,
    costUsd: estimateCostUsd(candidate.worker),
    seconds: estimateSeconds(candidate, record),
    loaded: candidate.loaded,
  };
}

function applyPreference(
  candidates: readonly Candidate[],
  prefer: Preference | undefined,
): { pool: readonly Candidate[]; preferenceNote: string | null } {
  if (prefer !== "local" && prefer !== "cloud") return { pool: candidates, preferenceNote: null };
  const preferred = candidates.filter(
    (candidate) => isLocal(candidate.worker) === (prefer === "local"),
  );
  if (preferred.length > 0) return { pool: preferred, preferenceNote: null };
  return {
    pool: candidates,
    preferenceNote: `no usable ${prefer} worker for this task; considered all`,
  };
}

function byCostThenReadiness(a: Scored, b: Scored): number {
  return (
    a.costUsd - b.costUsd ||
    Number(b.loaded) - Number(a.loaded) ||
    b.judged - a.judged ||
    a.seconds - b.seconds ||
    a.alias.localeCompare(b.alias)
  );
}

function byTimeThenCost(a: Scored, b: Scored): number {
  return (
    a.seconds - b.seconds ||
    a.costUsd - b.costUsd ||
    b.judged - a.judged ||
    a.alias.localeCompare(b.alias)
  );
}

/** Ollama, or an OpenAI-compatible server that costs nothing per token (LM Studio, llama-server). */
function isLocal(worker: WorkerConfig): boolean {
  if (worker.provider === "ollama") return true;
  return worker.provider === "openai" && worker.price.input === 0 && worker.price.output === 0;
}
