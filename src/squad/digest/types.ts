export type ToolName =
  | "pytest"
  | "vitest"
  | "jest"
  | "tsc"
  | "eslint"
  | "ruff"
  | "mypy"
  | "go test"
  | "cargo test"
  | "grep"
  | "unittest"
  | "node --test"
  | "mocha"
  | "tap"
  | "junit";

export interface DigestFailure {
  /** A test id, or a file path for type checkers and linters. */
  id: string;
  line?: number;
  /** One line, at most 200 characters. */
  message: string;
}

export interface Digest {
  /** The tool whose output this was, or null when it was not recognised. */
  tool: ToolName | null;
  /** e.g. {failed: 2, passed: 10}, {errors: 3, warnings: 1}, {matches: 40, files: 7}. */
  counts: Record<string, number>;
  /** Capped at `maxFailures`. */
  failures: DigestFailure[];
  /** How many more failures there were beyond the cap. */
  failuresOmitted: number;
  /** What the host reads: at most `maxChars` characters. */
  text: string;
}

export interface DigestInput {
  command: string;
  output: string;
  exitCode: number | null;
  /** The folder the command ran in: paths under it are shown relative to it. */
  cwd?: string | undefined;
  /** Bytes of the log that are not included in `output`. */
  omittedBytes?: number;
}

export interface DigestOptions {
  maxChars: number;
  maxFailures: number;
}

/** A failure as a parser sees it; `group` and `name` let the text list ids compactly. */
export interface Finding extends DigestFailure {
  /** The file or package the id starts with. */
  group?: string;
  /** The id without its group. */
  name?: string;
  /** Sorts errors before warnings, so a cap never hides an error behind a warning. */
  severity?: "error" | "warning";
}

export interface ToolReport {
  counts: Record<string, number>;
  findings: Finding[];
  /** The tool's own total when it prints one; more than `findings` when the log was cut. */
  total?: number;
  /** What the counts do not say: the run stopped early, files were changed, part was not parsed. */
  note?: string | undefined;
}

/** Test runners report failing test ids; checkers and linters report problems in files. */
export type FindingKind = "test" | "file";
