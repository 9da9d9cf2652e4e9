import type { Category } from "../config.js";

/**
 * The built-in evaluation suite (the weekly evaluation): small tasks per category, each
 * with a deterministic checker that runs the answer. Every task carries a reference answer that
 * passes and a wrong one that must not (test/…/suite tests keep both honest).
 */
export interface EvalTask {
  /** `category.name`, stable: outcomes' notes name it. */
  id: string;
  category: Category;
  /** What the worker is asked; the answer format is added by `taskPrompt`. */
  prompt: string;
  check: Checker;
  /** A correct answer (the JSON the worker should return). */
  reference: unknown;
  /** A plausible wrong answer the checker must fail. */
  wrong: unknown;
}

export interface FunctionCase {
  args: unknown[];
  expected: unknown;
}

export type Checker =
  /** The answer is `{"code"}` defining `name`; it is run in a child Node process against cases. */
  | { kind: "function"; name: string; cases: FunctionCase[] }
  /** The answer is JSON that must match `schema` (JSON Schema draft-07, checked with Ajv). */
  | { kind: "json"; shape: Record<string, unknown>; schema: Record<string, unknown> }
  /**
   * The answer is `{"command"}`, run by /bin/sh in a temp folder holding `files` (a git
   * repository with `commits` when given); it must exit 0 and its output must match.
   */
  | {
      kind: "command";
      files: Record<string, string>;
      commits?: { message: string; files: Record<string, string> }[];
      /** Every one must occur in the output. */
      contains: string[];
      /** None may occur in the output. */
      excludes?: string[];
      /** The trimmed output must equal this, when given. */
      exact?: string;
    };

const CODE_SHAPE = {
  type: "object",
  properties: { code: { type: "string" } },
  required: ["code"],
};
const COMMAND_SHAPE = {
  type: "object",
  properties: { command: { type: "string" } },
  required: ["command"],
};

/** The JSON schema a worker answers through (Ollama `format`, Gemini `responseSchema`). */
export function answerShape(task: EvalTask): Record<string, unknown> {
  switch (task.check.kind) {
    case "function":
      return CODE_SHAPE;
    case "command":
      return COMMAND_SHAPE;
    case "json":
      return task.check.shape;
  }
}

/** The prompt as sent: the task and the exact answer format. */
export function taskPrompt(task: EvalTask): string {
  switch (task.check.kind) {
    case "function":
      return `${task.prompt}\n\nAnswer with JSON {"code": "..."}: plain JavaScript (no TypeScript, no imports, no exports) that defines function ${task.check.name}.`;
    case "command":
      return `${task.prompt}\n\nAnswer with JSON {"command": "..."}: one POSIX shell command line, run by /bin/sh in that folder.`;
    case "json":
      return `${task.prompt}\n\nAnswer with JSON only.`;
  }
}

export const EVAL_SYSTEM =
  "You are a careful engineer answering a small, self-contained task. Answer with the JSON asked for and nothing else.";

const MEDIAN_BUGGY = `function median(values) {
  const sorted = values.sort();
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 0) return sorted[middle];
  return sorted[middle];
}`;

const RANGE_BUGGY = `// range(start, end, step = 1): the numbers from start up to but excluding end.
function range(start, end, step = 1) {
  const out = [];
  for (let i = start; i <= end; i += step) out.push(i);
  return out;
}`;

const COUNT_WORDS_TANGLED = `function countWords(text) {
  var r = {};
  var w = text.split(/[^A-Za-z']+/);
  for (var i = 0; i < w.length; i = i + 1) {
    if (w[i] === "") { continue; } else {
      var k = w[i].toLowerCase();
      if (r[k] === undefined) { r[k] = 1; } else { r[k] = r[k] + 1; }
    }
  }
  return r;
}`;

const CHUNK_SOURCE = `function chunk(items, size) {
  if (!Number.isInteger(size) || size < 1) throw new RangeError("size must be a positive integer");
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}`;

const REVIEW_SOURCE = `1  function lastWord(sentence) {
2    const words = sentence.trim().split(/\\s+/);
3    let longest = "";
4    for (let i = 0; i <= words.length; i++) {
5      if (words[i].length >= longest.length) longest = words[i];
6    }
7    return words[words.length - 1];
8  }`;

const LOG_FILES = {
  "app.log": "started\n",
  "error.log": "boom\n",
  "access.log": "GET /\n",
  "notes.txt": "app.log is rotated weekly\n",
  "archive/old.log": "old\n",
  "archive/older.log": "older\n",
};

const SOURCE_TREE = {
  "src/server.js":
    'import { parseHeader } from "../lib/http.js";\nexport const h = parseHeader("a: b");\n',
  "src/client.js": "// parseHeader is used by the server only\nexport const client = {};\n",
  "lib/http.js":
    'export function parseHeader(line) {\n  const [name, value] = line.split(":");\n  return { name: name.trim(), value: value.trim() };\n}\n',
  "lib/util.js": "export const noop = () => {};\n",
};

export const EVAL_SUITE: readonly EvalTask[] = [
  {
    id: "codegen.chunk",
    category: "codegen",
    prompt:
      "Write a JavaScript function chunk(items, size) that splits the array items into arrays of length size, in order; the last may be shorter. An empty array gives []. A size that is not a positive integer throws a RangeError.",
    check: {
      kind: "function",
      name: "chunk",
      cases: [
        { args: [[1, 2, 3, 4, 5], 2], expected: [[1, 2], [3, 4], [5]] },
        { args: [[1, 2, 3], 3], expected: [[1, 2, 3]] },
        { args: [[1, 2], 5], expected: [[1, 2]] },
        { args: [[], 4], expected: [] },
        { args: [[1], 0], expected: { throws: "RangeError" } },
      ],
    },
    reference: { code: CHUNK_SOURCE },
    wrong: {
      code: 'function chunk(items, size) { if (size < 1) throw new RangeError("size"); const out = []; for (let i = 0; i < items.length; i += size) out.push(items.slice(i, size)); return out; }',
    },
  },
  {
    id: "codegen.roman",
    category: "codegen",
    prompt:
      "Write a JavaScript function toRoman(n) that returns the Roman numeral for an integer n from 1 to 3999 (subtractive notation: 4 is IV, 900 is CM).",
    check: {
      kind: "function",
      name: "toRoman",
      cases: [
        { args: [1], expected: "I" },
        { args: [4], expected: "IV" },
        { args: [9], expected: "IX" },
        { args: [14], expected: "XIV" },
        { args: [40], expected: "XL" },
        { args: [90], expected: "XC" },
        { args: [400], expected: "CD" },
        { args: [1994], expected: "MCMXCIV" },
        { args: [3999], expected: "MMMCMXCIX" },
      ],
    },
    reference: {
      code: `function toRoman(n) {
  const table = [[1000, "M"], [900, "CM"], [500, "D"], [400, "CD"], [100, "C"], [90, "XC"],
    [50, "L"], [40, "XL"], [10, "X"], [9, "IX"], [5, "V"], [4, "IV"], [1, "I"]];
  let out = "";
  for (const [value, letters] of table) while (n >= value) { out += letters; n -= value; }
  return out;
}`,
    },
    wrong: {
      code: `function toRoman(n) {
  const table = [[1000, "M"], [500, "D"], [100, "C"], [50, "L"], [10, "X"], [5, "V"], [1, "I"]];
  let out = "";
  for (const [value, letters] of table) while (n >= value) { out += letters; n -= value; }
  return out;
}`,
    },
  },
  {
    id: "debug.median",
    category: "debug",
    prompt: `This function should return the median of an array of numbers without changing the array, but it gives wrong answers. Fix it.\n\n${MEDIAN_BUGGY}`,
    check: {
      kind: "function",
      name: "median",
      cases: [
        { args: [[3, 1, 2]], expected: 2 },
        { args: [[4, 1, 3, 2]], expected: 2.5 },
        { args: [[10, 9, 100]], expected: 10 },
        { args: [[7]], expected: 7 },
        { args: [[-5, 20, 3, 1]], expected: 2 },
      ],
    },
    reference: {
      code: `function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 0) return (sorted[middle - 1] + sorted[middle]) / 2;
  return sorted[middle];
}`,
    },
    wrong: { code: MEDIAN_BUGGY },
  },
  {
    id: "debug.range",
    category: "debug",
    prompt: `The comment says what range should do; the code does not. Fix the code.\n\n${RANGE_BUGGY}`,
    check: {
      kind: "function",
      name: "range",
      cases: [
        { args: [0, 3], expected: [0, 1, 2] },
        { args: [2, 10, 3], expected: [2, 5, 8] },
        { args: [5, 5], expected: [] },
        { args: [1, 2], expected: [1] },
      ],
    },
    reference: {
      code: "function range(start, end, step = 1) { const out = []; for (let i = start; i < end; i += step) out.push(i); return out; }",
    },
    wrong: { code: RANGE_BUGGY },
  },
  {
    id: "refactor.count-words",
    category: "refactor",
    prompt: `Rewrite this function in clear modern JavaScript (const/let, no nested else) with exactly the same behaviour, same name.\n\n${COUNT_WORDS_TANGLED}`,
    check: {
      kind: "function",
      name: "countWords",
      cases: [
        { args: ["The cat and the hat"], expected: { the: 2, cat: 1, and: 1, hat: 1 } },
        { args: ["Don't stop, don't!"], expected: { "don't": 2, stop: 1 } },
        { args: [""], expected: {} },
        { args: ["  a1b  A "], expected: { a: 2, b: 1 } },
      ],
    },
    reference: {
      code: `function countWords(text) {
  const counts = {};
  for (const word of text.split(/[^A-Za-z']+/)) {
    if (word === "") continue;
    const key = word.toLowerCase();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}`,
    },
    wrong: {
      code: `function countWords(text) {
  const counts = {};
  for (const word of text.split(/\\s+/)) {
    if (word === "") continue;
    counts[word] = (counts[word] ?? 0) + 1;
  }
  return counts;
}`,
    },
  },
  {
    id: "scaffold.package-json",
    category: "scaffold",
    prompt:
      'Write the package.json for a new Node package named "tidy-logs": an ES module package (type module), version 0.1.0, a command-line tool installed as the command tidy-logs that runs bin/tidy.js, an npm script "test" that runs "node --test", requiring Node 20 or newer through engines (">=20").',
    check: {
      kind: "json",
      shape: {
        type: "object",
        properties: {
          name: { type: "string" },
          version: { type: "string" },
          type: { type: "string" },
          bin: { type: "object", properties: { "tidy-logs": { type: "string" } } },
          scripts: { type: "object", properties: { test: { type: "string" } } },
          engines: { type: "object", properties: { node: { type: "string" } } },
        },
        required: ["name", "version", "type", "bin", "scripts", "engines"],
      },
      schema: {
        type: "object",
        required: ["name", "version", "type", "bin", "scripts", "engines"],
        properties: {
          name: { const: "tidy-logs" },
          version: { const: "0.1.0" },
          type: { const: "module" },
          bin: {
            type: "object",
            required: ["tidy-logs"],
            properties: { "tidy-logs": { type: "string", pattern: "^(\\./)?bin/tidy\\.js$" } },
          },
          scripts: {
            type: "object",
            required: ["test"],
            properties: { test: { const: "node --test" } },
          },
          engines: {
            type: "object",
            required: ["node"],
            properties: { node: { type: "string", pattern: "^>= ?20(\\.0){0,2}$" } },
          },
        },
      },
    },
    reference: {
      name: "tidy-logs",
      version: "0.1.0",
      type: "module",
      bin: { "tidy-logs": "bin/tidy.js" },
      scripts: { test: "node --test" },
      engines: { node: ">=20" },
    },
    wrong: {
      name: "tidy-logs",
      version: "0.1.0",
      main: "bin/tidy.js",
      scripts: { test: "jest" },
      engines: { node: ">=20" },
    },
  },
  {
    id: "docs.describe",
    category: "docs",
    prompt: `Document this function as JSON: "summary" (one sentence, under 160 characters), "params" (one entry per parameter, in order, each {"name", "description"}) and "returns" (what it returns).\n\n${CHUNK_SOURCE}`,
    check: {
      kind: "json",
      shape: {
        type: "object",
        properties: {
          summary: { type: "string" },
          params: {
            type: "array",
            items: {
              type: "object",
              properties: { name: { type: "string" }, description: { type: "string" } },
              required: ["name", "description"],
            },
          },
          returns: { type: "string" },
        },
        required: ["summary", "params", "returns"],
      },
      schema: {
        type: "object",
        required: ["summary", "params", "returns"],
        properties: {
          summary: { type: "string", minLength: 10, maxLength: 160 },
          params: {
            type: "array",
            minItems: 2,
            maxItems: 2,
            items: [
              {
                type: "object",
                required: ["name", "description"],
                properties: { name: { const: "items" }, description: { minLength: 3 } },
              },
              {
                type: "object",
                required: ["name", "description"],
                properties: { name: { const: "size" }, description: { minLength: 3 } },
              },
            ],
          },
          returns: { type: "string", minLength: 3 },
        },
      },
    },
    reference: {
      summary: "Splits an array into consecutive chunks of a given size.",
      params: [
        { name: "items", description: "the array to split" },
        { name: "size", description: "the length of each chunk, a positive integer" },
      ],
      returns: "an array of arrays; the last one may be shorter",
    },
    wrong: {
      summary: "Splits an array into consecutive chunks of a given size.",
      params: [{ name: "size", description: "the length of each chunk" }],
      returns: "an array of arrays",
    },
  },
  {
    id: "review.find-bug",
    category: "review",
    prompt: `Review this function (line numbers on the left). It crashes on every input. Answer as JSON {"line": <number of the line with the bug>, "problem": "<one sentence>"}.\n\n${REVIEW_SOURCE}`,
    check: {
      kind: "json",
      shape: {
        type: "object",
        properties: { line: { type: "integer" }, problem: { type: "string" } },
        required: ["line", "problem"],
      },
      schema: {
        type: "object",
        required: ["line", "problem"],
        properties: { line: { const: 4 }, problem: { type: "string", minLength: 10 } },
      },
    },
    reference: {
      line: 4,
      problem: "The loop runs to i <= words.length, so words[words.length] is undefined.",
    },
    wrong: { line: 7, problem: "It returns the last word instead of the longest one." },
  },
  {
    id: "other.extract-meeting",
    category: "other",
    prompt: `Extract the meeting from this email as JSON {"date": "YYYY-MM-DD", "time": "HH:MM" (24-hour), "attendees": [first names]}.\n\n"Hi all — moving our sync to Saturday 14 March 2026 at 3:30 pm. Priya, Tomás and Wen will join; Ola is on leave. Thanks!"`,
    check: {
      kind: "json",
      shape: {
        type: "object",
        properties: {
          date: { type: "string" },
          time: { type: "string" },
          attendees: { type: "array", items: { type: "string" } },
        },
        required: ["date", "time", "attendees"],
      },
      schema: {
        type: "object",
        required: ["date", "time", "attendees"],
        properties: {
          date: { const: "2026-03-14" },
          time: { const: "15:30" },
          attendees: {
            type: "array",
            minItems: 3,
            maxItems: 3,
            uniqueItems: true,
            items: { enum: ["Priya", "Tomás", "Wen"] },
          },
        },
      },
    },
    reference: { date: "2026-03-14", time: "15:30", attendees: ["Priya", "Tomás", "Wen"] },
    wrong: { date: "2026-03-14", time: "3:30", attendees: ["Priya", "Tomás", "Wen", "Ola"] },
  },
  {
    id: "command.count-logs",
    category: "command",
    prompt:
      "In the current folder, print how many files ending in .log it holds directly (not in subfolders). Print only the number.",
    check: { kind: "command", files: LOG_FILES, contains: [], exact: "3" },
    reference: { command: "find . -maxdepth 1 -type f -name '*.log' | wc -l" },
    wrong: { command: "find . -name '*.log' | wc -l" },
  },
  {
    id: "explore.find-definition",
    category: "explore",
    prompt:
      "In the current folder (a JavaScript project), print the path of every file that defines the function parseHeader (not files that only use or mention it).",
    check: {
      kind: "command",
      files: SOURCE_TREE,
      contains: ["lib/http.js"],
      excludes: ["src/server.js", "src/client.js"],
    },
    reference: { command: "grep -rlE 'function parseHeader' ." },
    wrong: { command: "grep -rl parseHeader ." },
  },
  {
    id: "git.previous-subject",
    category: "git",
    prompt:
      "The current folder is a git repository. Print the subject line of the commit just before the latest one on the current branch, and nothing else.",
    check: {
      kind: "command",
      files: {},
      commits: [
        { message: "Start the parser", files: { "parser.js": "export {};\n" } },
        { message: "Parse quoted fields", files: { "parser.js": "export const q = 1;\n" } },
        { message: "Update the changelog", files: { "CHANGELOG.md": "- quoted fields\n" } },
      ],
      contains: [],
      exact: "Parse quoted fields",
    },
    reference: { command: "git log -1 --format=%s HEAD~1" },
    wrong: { command: "git log -1 --format=%s" },
  },
];

/** Categories the suite has tasks for, in suite order. */
export function suiteCategories(): Category[] {
  return [...new Set(EVAL_SUITE.map((task) => task.category))];
}
