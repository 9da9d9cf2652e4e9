import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

const RESULT = /^(\s*)--- (FAIL|PASS|SKIP): (\S+) \([\d.]+s\)$/;
const RUN = /^=== (?:RUN|CONT|PAUSE|NAME)\s+(\S+)/;
const LOG = /^\s+(\S+\.go):(\d+): (.*)$/;
const PACKAGE_FAIL = /^FAIL\s+(\S+)(?:\s+[\d.]+s|\s+\[(build failed|setup failed)\])?\s*$/;
const PACKAGE_OK = /^ok\s+(\S+)\s/;
const PANIC = /^panic: (.*?)(?: \[recovered\])?$/;
const TEST_FILE_FRAME = /^\s+\S+_test\.go:(\d+)/;

interface TestState {
  name: string;
  logs: { file: string; line: number; text: string }[];
  panic?: string;
  panicLine?: number;
}

function leafFailures(failed: TestState[]): TestState[] {
  // A parent test fails because a subtest failed; the subtest is the one to look at.
  return failed.filter((t) => !failed.some((other) => other.name.startsWith(`${t.name}/`)));
}

/**
 * Go does not mark which log line failed the test (`t.Logf` and `t.Errorf` print alike): the
 * first and the last, each with its file, and how many came between.
 */
function logMessage(test: TestState): string {
  const said = test.logs.map((log) => `${log.file}:${log.line}: ${log.text}`);
  const first = said[0];
  if (first === undefined) return "failed";
  if (said.length === 1) return first;
  const between = said.length > 2 ? ` … ${said.length - 2} more;` : "";
  return `${first};${between} ${said[said.length - 1]}`;
}

function findingOfTest(pkg: string | undefined, test: TestState): Finding {
  const message = test.panic ? `panic: ${test.panic}` : logMessage(test);
  const line = test.panic ? test.panicLine : test.logs[test.logs.length - 1]?.line;
  const id = pkg ? `${pkg}.${test.name}` : test.name;
  return { id, line, message: joinMessage([message]), group: pkg, name: test.name };
}

class GoTestReader {
  readonly counts = { failed: 0, passed: 0, skipped: 0, "failed packages": 0, "ok packages": 0 };
  readonly findings: Finding[] = [];
  private tests = new Map<string, TestState>();
  private failed: TestState[] = [];
  private current: TestState | undefined;
  private compileErrors: string[] = [];
  /** A panic outside any test (e.g. in TestMain) still fails the package. */
  private strayPanic: string | undefined;

  private state(name: string): TestState {
    let test = this.tests.get(name);
    if (!test) {
      test = { name, logs: [] };
      this.tests.set(name, test);
    }
    return test;
  }

  private closePackage(pkg: string | undefined, failedPackage: boolean, buildProblem?: string) {
    const leaves = leafFailures(this.failed);
    this.counts.failed += leaves.length;
    for (const test of leaves) this.findings.push(findingOfTest(pkg, test));
    if (pkg && failedPackage && (buildProblem || leaves.length === 0)) {
      const detail = buildProblem ? this.compileErrors[0] : this.strayPanic;
      const message = joinMessage([buildProblem ?? "package failed", detail ?? ""]);
      this.findings.push({ id: pkg, message, group: pkg });
    }
    this.strayPanic = undefined;
    this.tests = new Map();
    this.failed = [];
    this.current = undefined;
    this.compileErrors = [];
  }

  read(line: string) {
    const result = RESULT.exec(line);
    const run = RUN.exec(line);
    const log = LOG.exec(line);
    const panic = PANIC.exec(line);
    const fail = PACKAGE_FAIL.exec(line);
    if (result) this.readResult(result[2] as string, result[3] as string);
    else if (run) this.current = this.state(run[1] as string);
    else if (log && this.current)
      this.current.logs.push({
        file: (log[1] as string).replace(/^.*\//, ""),
        line: Number(log[2]),
        text: log[3] as string,
      });
    else if (this.current && /^\s{8,}\S/.test(line) && this.current.logs.at(-1)?.text === "") {
      // `t.Errorf("\n…")`: the message starts on the next, further indented line.
      (this.current.logs.at(-1) as { text: string }).text = line.trim();
    } else if (panic && this.current) this.current.panic = panic[1] as string;
    else if (panic) this.strayPanic = `panic: ${panic[1]}`;
    else if (
      this.current?.panic &&
      this.current.panicLine === undefined &&
      TEST_FILE_FRAME.test(line)
    ) {
      this.current.panicLine = Number(TEST_FILE_FRAME.exec(line)?.[1]);
    } else if (fail && line !== "FAIL") {
      this.counts["failed packages"]++;
      this.closePackage(fail[1], true, fail[2]);
    } else if (PACKAGE_OK.test(line)) {
      this.counts["ok packages"]++;
      this.closePackage(PACKAGE_OK.exec(line)?.[1], false);
    } else if (/^\S+\.go:\d+:\d+: /.test(line)) {
      this.compileErrors.push(line);
    }
  }

  private readResult(status: string, name: string) {
    const test = this.state(name);
    if (status === "PASS") this.counts.passed++;
    if (status === "SKIP") this.counts.skipped++;
    if (status === "FAIL" && !this.failed.includes(test)) this.failed.push(test);
    // Without -v a failing test's log follows its `--- FAIL` line; with -v it came before.
    this.current = status === "FAIL" ? test : undefined;
  }

  finish(): ToolReport {
    // A log cut short before its package line still names its failures, just without a package.
    if (this.failed.length > 0) this.closePackage(undefined, true);
    const counts: Record<string, number> = {};
    for (const [key, value] of Object.entries(this.counts)) if (value > 0) counts[key] = value;
    return { counts, findings: this.findings };
  }
}

/** `go test -json`: one event per line; the `output` events, in order, are the plain `-v` log. */
function fromJson(lines: string[]): string[] {
  const text: string[] = [];
  for (const line of lines) {
    if (!line.startsWith("{")) {
      text.push(line);
      continue;
    }
    try {
      const event = JSON.parse(line) as { Output?: unknown };
      if (typeof event.Output === "string")
        text.push(...event.Output.replace(/\n$/, "").split("\n"));
    } catch {
      text.push(line);
    }
  }
  return text;
}

export function digestGoTest(lines: string[]): ToolReport {
  const json = lines.some((line) => /^\{"(?:Time|Action)":/.test(line));
  const reader = new GoTestReader();
  for (const line of json ? fromJson(lines) : lines) reader.read(line);
  return reader.finish();
}
