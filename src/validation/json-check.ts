import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { RegExpEngine } from "ajv/dist/types/index.js";
import { errorMessage, UserInputError } from "../errors.js";
import { clip } from "../text/clip.js";
import { createRegexSandbox, type RegexSandbox, RegexTimeoutError } from "./safe-regex.js";

export interface JsonCheckResult {
  pass: boolean;
  /** At most 200 characters. */
  detail: string;
}

export type JsonValidator = (text: string) => JsonCheckResult;

const FIELD = "checks.json_schema";
const MAX_DETAIL = 200;
const MAX_SCHEMA_PROBLEM = 300;
/** Per `pattern`/`patternProperties` test inside the schema, same bound as must_match. */
const SCHEMA_REGEX_TIMEOUT_MS = 100;

type AjvClass = typeof Ajv | typeof Ajv2019 | typeof Ajv2020;

/**
 * Compiles a JSON Schema (draft-07 by default; 2019-09 or 2020-12 when `$schema` says so) into a
 * function checking that a text is JSON matching it. A schema Ajv cannot compile is an input
 * error on `checks.json_schema`, raised before any check runs.
 */
export function compileJsonSchema(schema: unknown): JsonValidator {
  if (typeof schema !== "boolean" && !isPlainObject(schema)) {
    throw new UserInputError(FIELD, "must be a JSON Schema object (or true/false)");
  }
  const AjvForDialect = typeof schema === "boolean" ? Ajv : ajvClassFor(schema.$schema);
  const sandbox = lazySandbox();
  const ajv = new AjvForDialect(ajvOptions(boundedRegExpEngine(sandbox)));
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(withoutDialect(schema));
  } catch (error) {
    const message = errorMessage(error);
    throw new UserInputError(
      FIELD,
      clip(`the schema cannot be used: ${message}`, MAX_SCHEMA_PROBLEM),
    );
  }
  return (text) => {
    const parsed = parseJson(text);
    if (!parsed.ok) return { pass: false, detail: clip(`not JSON: ${parsed.problem}`, MAX_DETAIL) };
    try {
      if (validate(parsed.value)) return { pass: true, detail: "valid JSON matching the schema" };
    } catch (error) {
      if (error instanceof RegexTimeoutError) return { pass: false, detail: regexGaveUp(error) };
      throw error;
    }
    return { pass: false, detail: describeErrors(validate.errors ?? []) };
  };
}

function ajvOptions(regExp: RegExpEngine): Options {
  return {
    allErrors: true,
    strict: false,
    // ajv-formats is not a dependency; `format` stays an annotation rather than a warning.
    validateFormats: false,
    // The server's stderr is for its own log; Ajv's warnings would only be noise there.
    logger: false,
    code: { regExp },
  };
}

/**
 * Picks Ajv's class by the dialect URI. Matching on the year rather than the exact URI accepts
 * the http/https and trailing-"#" variants models write; the URI itself is then dropped so Ajv
 * validates against the class's own meta-schema instead of looking the variant up.
 */
function ajvClassFor(dialect: unknown): AjvClass {
  if (dialect === undefined) return Ajv;
  if (typeof dialect === "string") {
    if (dialect.includes("2020-12")) return Ajv2020;
    if (dialect.includes("2019-09")) return Ajv2019;
    if (dialect.includes("draft-07")) return Ajv;
  }
  throw new UserInputError(
    `${FIELD}.$schema`,
    `${clip(JSON.stringify(dialect) ?? String(dialect), 100)} is not a supported dialect; use ` +
      "draft-07 (the default), 2019-09 or 2020-12",
  );
}

function withoutDialect(schema: boolean | Record<string, unknown>): boolean | object {
  if (typeof schema === "boolean") return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Ajv's `pattern` and `patternProperties` would otherwise run the schema's regexes on the
 * worker's output in the main realm, where a backtracking pattern blocks the server; this engine
 * runs each test in the bounded sandbox instead. Compiling the RegExp eagerly keeps a bad
 * pattern a schema error at compile time, as with Ajv's default engine.
 */
function boundedRegExpEngine(sandbox: () => RegexSandbox): RegExpEngine {
  const engine = (source: string, flags: string) => {
    new RegExp(source, flags);
    return {
      test: (text: string) =>
        sandbox().search(text, source, flags, SCHEMA_REGEX_TIMEOUT_MS) !== null,
      // Ajv dedupes compiled patterns by this string, so it must differ per pattern.
      toString: () => `/${source}/${flags}`,
    };
  };
  return Object.assign(engine, { code: "squadBoundedRegExp" });
}

/** Most schemas have no patterns, so the V8 context is only made on the first test. */
function lazySandbox(): () => RegexSandbox {
  let sandbox: RegexSandbox | undefined;
  return () => {
    sandbox ??= createRegexSandbox();
    return sandbox;
  };
}

function regexGaveUp(error: RegexTimeoutError): string {
  return (
    `gave up after ${error.timeoutMs} ms: a pattern in the schema backtracks catastrophically ` +
    "on this output; simplify it"
  );
}

type Parsed = { ok: true; value: unknown } | { ok: false; problem: string };

function parseJson(text: string): Parsed {
  const body = stripFence(text.trim()).trim();
  if (body === "") return { ok: false, problem: "the output is empty" };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    return { ok: false, problem: errorMessage(error) };
  }
}

/**
 * Models often wrap JSON in one Markdown fence (```json … ```) even when asked not to; that
 * wrapper is not a defect of the answer, so one surrounding fence is removed. Plain string checks
 * rather than one big regex keep this linear on multi-megabyte outputs.
 */
function stripFence(text: string): string {
  const opener = /^(`{3,}|~{3,})[^\n`]*\n/.exec(text);
  const fence = opener?.[1];
  if (!opener || !fence || !text.endsWith(fence) || text.length < opener[0].length + fence.length) {
    return text;
  }
  return text.slice(opener[0].length, text.length - fence.length);
}

/** "/items/0/name: must be string; /count: must be >= 0 (+2 more)", within 200 characters. */
function describeErrors(errors: readonly ErrorObject[]): string {
  const parts = [...new Set(errors.map(describeError))];
  if (parts.length === 0) return "does not match the schema";
  let detail = "";
  for (const [index, part] of parts.entries()) {
    const next = detail === "" ? part : `${detail}; ${part}`;
    const rest = parts.length - index - 1;
    const suffix = rest > 0 ? ` (+${rest} more)` : "";
    if (next.length + suffix.length > MAX_DETAIL) {
      if (detail === "") return clip(part, MAX_DETAIL - suffix.length) + suffix;
      return `${detail} (+${parts.length - index} more)`;
    }
    detail = next;
  }
  return detail;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(root)" : error.instancePath;
  const message = error.message ?? `fails "${error.keyword}"`;
  // Ajv's message omits which property was extra; that name is what the reader needs.
  const extra: unknown = error.params.additionalProperty ?? error.params.unevaluatedProperty;
  return typeof extra === "string" ? `${where}: ${message} '${extra}'` : `${where}: ${message}`;
}
