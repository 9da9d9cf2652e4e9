import { normalisePhrase, stem, terms } from "./text.js";

export interface Skill {
  name: string;
  description: string;
  /** Where the skill was found, for doctor and error messages. */
  path: string;
}

export interface SkillMatch {
  name: string;
  score: number;
  why: "named" | "relevant" | "keyword";
}

export interface SkillVerdict {
  needsSkill: boolean;
  matches: SkillMatch[];
  /**
   * Skills whose relevance came within 80 % of the threshold without clearing it (one shared
   * domain term can): the host knows its skills better than a lexical match and should look.
   */
  near: { name: string; score: number }[];
}

export interface SkillMatchOptions {
  /** Keywords from config that make a task skill-bound. */
  required: readonly string[];
  /** BM25 score at or above which a skill counts as relevant. */
  threshold: number;
  /**
   * True for mechanical work (a command, a search, a test run): mentioning a domain term does
   * not make it skill-bound; only naming the skill does (the grep for ACGMEValidator
   * goes to the squad, the synthesis stays with the host).
   */
  mechanical: boolean;
}

const K1 = 1.2;
const B = 0.75;
/**
 * Skill catalogues are tiny (often one to ten documents), where plain BM25 IDF collapses toward
 * zero. Counting this many imaginary unrelated documents keeps a shared term worth about 2.
 */
const BACKGROUND_DOCUMENTS = 10;

/**
 * Words that say what kind of work a task is, not what domain it is in. Sharing one of these
 * with a skill's description ("review", "validate", "write") says nothing about needing it.
 */
const WORKFLOW_TERMS = new Set(
  (
    "review write add create implement fix test tests run check validate update change plan " +
    "generate refactor doc docs docstring docstrings function class method module feature bug " +
    "error diff pr page service data list find show explain describe help"
  )
    .split(" ")
    .map(stem),
);

/** A skill scoring at least this share of the threshold is named as possibly relevant. */
const NEAR_FRACTION = 0.8;

/** A description must share at least this many domain terms with the task to count. */
const MIN_SHARED_TERMS = 2;

interface SkillDocument {
  skill: Skill;
  termCounts: Map<string, number>;
  length: number;
}

/** Decides whether a task needs one of the host's skills, and which. */
export function matchSkills(
  task: string,
  skills: readonly Skill[],
  options: SkillMatchOptions,
): SkillVerdict {
  const phrase = normalisePhrase(task);
  const matches = new Map<string, SkillMatch>();
  const near: { name: string; score: number }[] = [];
  for (const skill of skills) {
    if (phrase.includes(normalisePhrase(skill.name))) {
      matches.set(skill.name, { name: skill.name, score: Number.POSITIVE_INFINITY, why: "named" });
    }
  }
  if (!options.mechanical) {
    for (const keyword of options.required) {
      if (phrase.includes(normalisePhrase(keyword)) && !matches.has(keyword)) {
        matches.set(keyword, { name: keyword, score: Number.POSITIVE_INFINITY, why: "keyword" });
      }
    }
    for (const { skill, score, partial } of bm25(task, skills)) {
      if (matches.has(skill.name)) continue;
      if (score >= options.threshold) {
        matches.set(skill.name, { name: skill.name, score, why: "relevant" });
      } else if (Math.max(score, partial) >= options.threshold * NEAR_FRACTION) {
        near.push({ name: skill.name, score: Math.max(score, partial) });
      }
    }
  }
  const ordered = [...matches.values()].sort((a, b) => b.score - a.score);
  near.sort((a, b) => b.score - a.score);
  return { needsSkill: ordered.length > 0, matches: ordered, near: ordered.length ? [] : near };
}

/**
 * BM25 of the task's domain terms against each skill's name (counted twice) and description;
 * 0 unless at least MIN_SHARED_TERMS of them are shared, so one common word is never enough
 * (what one shared term would have scored is `partial`).
 */
export function bm25(
  task: string,
  skills: readonly Skill[],
): { skill: Skill; score: number; partial: number }[] {
  const documents = skills.map(toDocument);
  if (documents.length === 0) return [];
  const averageLength = documents.reduce((sum, doc) => sum + doc.length, 0) / documents.length;
  const corpusSize = documents.length + BACKGROUND_DOCUMENTS;
  const queryTerms = [...new Set(terms(task))].filter((term) => !WORKFLOW_TERMS.has(term));
  return documents.map((doc) => {
    let score = 0;
    let shared = 0;
    for (const term of queryTerms) {
      const tf = doc.termCounts.get(term) ?? 0;
      if (tf === 0) continue;
      shared++;
      const df = documents.filter((other) => other.termCounts.has(term)).length;
      const idf = Math.log(1 + (corpusSize - df + 0.5) / (df + 0.5));
      score += (idf * (tf * (K1 + 1))) / (tf + K1 * (1 - B + (B * doc.length) / averageLength));
    }
    return {
      skill: doc.skill,
      score: shared >= MIN_SHARED_TERMS ? score : 0,
      partial: shared < MIN_SHARED_TERMS ? score : 0,
    };
  });
}

function toDocument(skill: Skill): SkillDocument {
  const nameTerms = terms(skill.name);
  const all = [...nameTerms, ...nameTerms, ...terms(skill.description)];
  const termCounts = new Map<string, number>();
  for (const term of all) termCounts.set(term, (termCounts.get(term) ?? 0) + 1);
  return { skill, termCounts, length: all.length };
}
