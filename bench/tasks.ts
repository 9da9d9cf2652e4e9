/**
 * Realistic, reproducible task texts for filling the memory and for querying it: a few hundred
 * distinct task sentences across every category, each used with a few random words mixed in,
 * so the full-text index sees a vocabulary of thousands of terms with a long tail.
 */

// The same seedable generator routing uses for exploration.
export { seededRandom } from "../src/routing/posterior.js";

export type Random = () => number;

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

const NOUNS = (
  "user order invoice payment cart session token cache queue worker parser lexer schema " +
  "migration config logger router handler middleware controller service repository model " +
  "view template component hook store reducer selector action event listener socket stream " +
  "buffer file path directory archive upload download image thumbnail report metric counter " +
  "histogram trace span request response header cookie password account profile avatar " +
  "notification email message channel thread lock mutex pool connection transaction index " +
  "query cursor page filter sort search result snapshot backup restore deploy build release " +
  "artifact manifest package dependency plugin extension theme layout sidebar navbar modal " +
  "dialog form field input button table column row cell chart graph node edge tree heap " +
  "matrix vector tensor batch epoch dataset loader tokenizer embedding prompt completion"
).split(" ");

const VERBS = (
  "parse validate serialize render fetch retry cache compress encrypt decode normalize " +
  "paginate merge split sort filter debounce throttle batch stream upload resize index"
).split(" ");

const LANGS = ["typescript", "python", "go", "rust", "java", "ruby", "kotlin", "swift"];
const DIRS = ["src", "lib", "app", "pkg", "internal", "server", "client", "core", "api", "web"];
const EXTS = ["ts", "tsx", "py", "go", "rs", "java", "rb", "js"];

const SYLLABLES = (
  "ka lo mi ren tas vor pel quin dra zet bri ulm sof nax tek gry mop lis ferr jun hal " +
  "cor vex pim tru bal sen dor wik ozz ret fla gim nus por yel bek sar tun hox lep"
).split(" ");

/** Made-up identifiers and jargon: the long tail a real project's vocabulary has. */
export function makeVocabulary(random: Random, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const parts = 2 + Math.floor(random() * 2);
    let word = "";
    for (let i = 0; i < parts; i++) word += pick(random, SYLLABLES);
    words.add(word);
  }
  return [...words];
}

interface Slots {
  noun: string;
  noun2: string;
  verb: string;
  ident: string;
  file: string;
  dir: string;
  lang: string;
  jargon: string;
}

type Template = (s: Slots) => string;

/** Task shapes per category, phrased the way hosts actually delegate work. */
const TEMPLATES: Record<string, Template[]> = {
  tests: [
    (s) => `run the ${s.noun} tests in ${s.dir}/${s.noun}`,
    (s) => `pytest ${s.dir}/tests/test_${s.noun}.py -k ${s.ident}`,
    (s) => `npm test -- ${s.file}`,
    (s) => `rerun the failing ${s.noun} ${s.noun2} specs and report which ones still fail`,
    (s) => `run the integration test suite for the ${s.jargon} ${s.noun} service`,
  ],
  lint: [
    (s) => `npm run lint -- ${s.dir}/${s.noun}`,
    (s) => `eslint ${s.file} --fix`,
    (s) => `lint the ${s.noun} module and list the warnings about ${s.ident}`,
    (s) => `ruff check ${s.dir}/${s.noun}_${s.noun2}.py`,
  ],
  format: [
    (s) => `prettier --write ${s.file}`,
    (s) => `format the code in ${s.dir}/${s.noun} with the project settings`,
    (s) => `black ${s.dir}/${s.noun}.py ${s.dir}/${s.noun2}.py`,
  ],
  typecheck: [
    (s) => `tsc --noEmit -p ${s.dir}/${s.noun}`,
    (s) => `mypy ${s.dir}/${s.noun}/${s.jargon}.py`,
    (s) => `fix the type errors in ${s.file} around ${s.ident}`,
  ],
  explore: [
    (s) => `find all usages of ${s.ident} in ${s.dir}`,
    (s) => `grep -rn "${s.ident}" ${s.dir}/${s.noun}`,
    (s) => `where is the ${s.noun} ${s.noun2} defined in the ${s.lang} code`,
    (s) => `list every file that imports ${s.jargon} ${s.noun}`,
    (s) => `search the ${s.dir} folder for ${s.verb} calls on ${s.noun}`,
  ],
  git: [
    (s) => `git log --oneline -- ${s.file}`,
    (s) => `show the git diff for the ${s.noun} branch ${s.jargon}`,
    (s) => `rebase the ${s.ident} branch onto main and resolve the ${s.noun} conflicts`,
    (s) => `git blame ${s.file} and summarise who changed ${s.ident}`,
  ],
  scaffold: [
    (s) => `scaffold a new ${s.noun} component named ${s.ident}`,
    (s) => `create an empty ${s.lang} module for the ${s.noun2} ${s.jargon} with stubs`,
    (s) => `generate boilerplate for a ${s.noun} ${s.noun2} package in ${s.dir}`,
  ],
  codegen: [
    (s) => `write a ${s.lang} function ${s.ident} that ${s.verb}s the ${s.noun} list`,
    (s) => `implement ${s.verb} for the ${s.noun} ${s.noun2} in ${s.file}`,
    (s) => `add unit tests for ${s.ident} covering empty and huge ${s.noun} inputs`,
    (s) => `create a class ${s.jargon} that wraps the ${s.noun} ${s.noun2} client`,
    (s) => `add a ${s.verb} helper to ${s.file} used by the ${s.noun} ${s.jargon}`,
  ],
  refactor: [
    (s) => `rename ${s.ident} to ${s.jargon}${s.noun2} across ${s.dir}`,
    (s) => `refactor the ${s.noun} ${s.noun2} code in ${s.file} to remove duplication`,
    (s) => `extract a function from ${s.ident} that ${s.verb}s each ${s.noun}`,
    (s) => `migrate the ${s.noun} store from callbacks to async ${s.lang} code`,
  ],
  docs: [
    (s) => `write docstrings for every public function in ${s.file}`,
    (s) => `update the README section about ${s.noun} ${s.noun2} configuration`,
    (s) => `document the ${s.jargon} ${s.noun} API with examples`,
    (s) => `add a changelog entry for the ${s.ident} ${s.verb} change`,
  ],
  review: [
    (s) => `review the diff in ${s.file} for ${s.noun} handling bugs`,
    (s) => `audit the ${s.noun} ${s.noun2} code for ${s.jargon} edge cases`,
    (s) => `look over ${s.ident} and say whether the ${s.verb} logic is right`,
  ],
  architecture: [
    (s) => `should we split the ${s.noun} service from the ${s.noun2} monolith`,
    (s) => `design the system architecture for ${s.jargon} ${s.noun} syncing`,
    (s) => `weigh the trade-offs of event sourcing for ${s.noun} ${s.noun2}s`,
  ],
  debug: [
    (s) => `debug why ${s.ident} crashes when the ${s.noun} is empty`,
    (s) => `find the root cause of the ${s.noun} ${s.noun2} timeout in ${s.dir}`,
    (s) => `fix the bug where ${s.verb} drops the last ${s.noun} in ${s.file}`,
    (s) => `why does the ${s.jargon} ${s.noun} stack trace point at ${s.ident}`,
  ],
  command: [
    (s) => `npm run build -- --filter ${s.noun}`,
    (s) => `make ${s.noun}-${s.noun2}`,
    (s) => `docker compose up ${s.noun} and check the ${s.jargon} logs`,
    (s) => `install the ${s.lang} dependencies for ${s.dir}/${s.noun}`,
  ],
  other: [
    (s) => `summarise the ${s.noun} ${s.noun2} discussion in ${s.file}`,
    (s) => `translate the ${s.noun} error messages in ${s.file}`,
    (s) => `estimate how long the ${s.jargon} ${s.noun} work will take`,
  ],
};

export const TASK_CATEGORIES = Object.keys(TEMPLATES);

export interface TaskText {
  category: string;
  text: string;
}

export class TaskTexts {
  private readonly vocabulary: string[];

  constructor(
    private readonly random: Random,
    vocabularySize = 4_000,
  ) {
    this.vocabulary = makeVocabulary(random, vocabularySize);
  }

  /** A fresh task sentence of a random category. */
  sentence(): TaskText {
    const category = pick(this.random, TASK_CATEGORIES);
    const template = pick(this.random, TEMPLATES[category] ?? []);
    return { category, text: template(this.slots()) };
  }

  /** `count` distinct task sentences, spread over every category. */
  distinctSentences(count: number): TaskText[] {
    const seen = new Map<string, TaskText>();
    while (seen.size < count) {
      const task = this.sentence();
      seen.set(task.text, task);
    }
    return [...seen.values()];
  }

  /** The sentence with up to `max` random words of the vocabulary mixed in, as people write. */
  withNoise(task: TaskText, max = 3): TaskText {
    const extra = Math.floor(this.random() * (max + 1));
    if (extra === 0) return task;
    const words = Array.from({ length: extra }, () => this.word());
    return { category: task.category, text: `${task.text} (${words.join(" ")})` };
  }

  word(): string {
    return this.random() < 0.7 ? pick(this.random, this.vocabulary) : pick(this.random, NOUNS);
  }

  private slots(): Slots {
    const r = this.random;
    const noun = pick(r, NOUNS);
    const noun2 = pick(r, NOUNS);
    const jargon = pick(r, this.vocabulary);
    const ident = `${pick(r, VERBS)}${capitalize(noun)}${capitalize(jargon)}`;
    const dir = pick(r, DIRS);
    return {
      noun,
      noun2,
      verb: pick(r, VERBS),
      ident,
      file: `${dir}/${noun}/${jargon}.${pick(r, EXTS)}`,
      dir,
      lang: pick(r, LANGS),
      jargon,
    };
  }
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

const NOTES: ((t: TaskTexts) => string)[] = [
  () => "passed on the first try",
  (t) => `missed the edge case for an empty ${t.word()}`,
  () => "timed out; the model kept rewriting the whole file",
  (t) => `good, but renamed ${t.word()} without being asked`,
  () => "output was truncated, had to rerun with a larger context",
  (t) => `tests green after one retry; flaky ${t.word()} fixture`,
  () => "hallucinated an import that does not exist",
  (t) => `clean diff, kept the ${t.word()} style`,
  () => "validator rejected it: wrong function signature",
  (t) => `fine for ${t.word()}, slow on the large ${t.word()} case`,
];

/** What a host writes in log_outcome's notes; absent on about half the outcomes. */
export function outcomeNote(texts: TaskTexts, random: Random): string | null {
  return random() < 0.5 ? null : pick(random, NOTES)(texts);
}
