import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../../test/support/digest-fixtures.js";
import { type DigestFailure, digestOutput } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/digests/", import.meta.url));
const manifest = readManifest(FIXTURES);

function failuresOf(fixture: string): DigestFailure[] {
  const { command, exitCode } = manifest[fixture] ?? { command: "", exitCode: 1 };
  const output = readFileSync(`${FIXTURES}${fixture}`, "utf8");
  return digestOutput({ command, output, exitCode }, { maxChars: 2000, maxFailures: 1000 })
    .failures;
}

function failure(fixture: string, id: string, line?: number): DigestFailure {
  const found = failuresOf(fixture).find(
    (f) => f.id === id && (line === undefined || f.line === line),
  );
  if (!found) throw new Error(`${fixture}: no failure ${id}${line ? `:${line}` : ""}`);
  return found;
}

describe("what each parser says about a failure", () => {
  it("pytest: the E line of the failure section, and the line in the test file", () => {
    expect(
      failure("pytest-small-failing.txt", "tests/test_orders.py::test_total_with_tax"),
    ).toEqual({
      id: "tests/test_orders.py::test_total_with_tax",
      line: 14,
      message: "assert 120.0 == 121.0",
    });
    expect(
      failure("pytest-small-failing.txt", "tests/test_orders.py::test_saves_order").message,
    ).toBe("ConnectionError: could not connect to server: Connection refused (127.0.0.1:5432)");
    expect(
      failure("pytest-large-failing.txt", "tests/test_mod01.py::test_case_11_handles_input_111"),
    ).toMatchObject({
      line: 40,
      message: expect.stringMatching(/^KeyError: 'host missing from config for module 1;/),
    });
  });

  it("vitest: a suite that failed to import is named by its file", () => {
    expect(failure("vitest-npm-test-failing.txt", "src/format.test.ts")).toEqual({
      id: "src/format.test.ts",
      line: 2,
      message:
        "Error: Cannot find module './format.js' imported from /tmp/dg/vt2/src/format.test.ts",
    });
  });

  it("jest: the first error of a test that failed twice, with Expected and Received", () => {
    const id = "src/queue.test.js › Queue › when drained › reports its size through a callback";
    expect(failure("jest-npm-test-failing.txt", id)).toEqual({
      id,
      line: 18,
      message: 'expect(received).toEqual(expected); Expected: {"size": 0}; Received: 0',
    });
  });

  it("pytest 9: a failed subtest under its test's id, with how many subtests failed", () => {
    const id = "tests/test_more.py::LastTests::test_default";
    const expected = {
      id,
      line: 185,
      message: "3 subtests failed, first (args=([], None)): AssertionError: [None] != None",
    };
    expect(failure("pytest9-subtests-failing.txt", id)).toEqual(expected);
    // -q -rN has no summary items: the id comes from the section title and the test module.
    expect(failure("pytest9-q-rN.txt", id)).toEqual(expected);
    expect(failure("pytest9-qq.txt", id)).toEqual(expected);
  });

  it("pytest -rN: an inherited test under the module of the class that ran it", () => {
    // The traceback is in tests/test_base.py; `self` names tests.test_recipes.LastTests.
    const id = "tests/test_recipes.py::LastTests::test_default";
    const expected = {
      id,
      message: "tests/test_base.py:18: AssertionError: [None] != None",
    };
    expect(failure("pytest9-inherited-q-rN.txt", id)).toEqual(expected);
    expect(failure("pytest9-inherited-q.txt", id)).toEqual(expected);
    // With --tb=short no line names the module: the class and test, not a wrong file.
    expect(failuresOf("pytest9-inherited-q-rN-tb-short.txt").map((f) => f.id)).not.toContain(
      "tests/test_base.py::LastTests::test_default",
    );
    expect(failure("pytest9-inherited-q-rN-tb-short.txt", "LastTests::test_default")).toEqual({
      id: "LastTests::test_default",
      message: "tests/test_base.py:18: AssertionError: [None] != None",
    });
  });

  it("pytest: a test that failed and then errored at teardown is one id saying both", () => {
    const expected = {
      id: "tests/test_conn.py::test_query",
      line: 11,
      message:
        "assert True is False; then an error at teardown: RuntimeError: connection left open",
    };
    expect(failuresOf("pytest9-teardown-q.txt")).toEqual([expected]);
    expect(failuresOf("pytest9-teardown-q-rN.txt")).toEqual([expected]);
  });

  it("pytest: the ids shown and the ones counted as more add up to what pytest counted", () => {
    const fixtures = Object.keys(manifest).filter((name) => name.startsWith("pytest"));
    for (const fixture of fixtures) {
      const { command, exitCode } = manifest[fixture] ?? { command: "", exitCode: 1 };
      const output = readFileSync(`${FIXTURES}${fixture}`, "utf8");
      const digest = digestOutput(
        { command, output, exitCode },
        { maxChars: 2000, maxFailures: 5 },
      );
      // A test whose subtests failed is listed once, and so is one that failed and then
      // errored at teardown; the message says how many, or both.
      const folded = digest.failures.reduce(
        (n, f) =>
          n +
          Number(/^(\d+) subtests failed/.exec(f.message)?.[1] ?? 1) -
          1 +
          (/; then an error at (?:setup|teardown): /.test(f.message) ? 1 : 0),
        0,
      );
      const counted = (digest.counts.failed ?? 0) + (digest.counts.errors ?? 0);
      expect(digest.failures.length + folded + digest.failuresOmitted, fixture).toBe(counted);
    }
  });

  it("pytest: the exception when the traceback has no E line or only the summary cut it", () => {
    const id = "tests/test_more.py::NthOrLastTests::test_default_value";
    expect(failure("pytest9-tb-native.txt", id)).toEqual({
      id,
      line: 213,
      message: "AssertionError: [42] != 42",
    });
    expect(failure("pytest9-tb-line.txt", id).message).toBe("AssertionError: [42] != 42");
    expect(
      failure("pytest9-collection-syntax-error.txt", "tests/test_itsdangerous/test_signer.py"),
    ).toEqual({
      id: "tests/test_itsdangerous/test_signer.py",
      line: 53,
      message: "SyntaxError: expected ':'",
    });
  });

  it("jest: a process.exit that aborted the run is blamed on the test file in its stack", () => {
    const [first] = failuresOf("jest-commander-process-exit.txt");
    expect(first).toEqual({
      id: "tests/command.parse.test.js",
      line: 414,
      message: `process.exit called with "1"; after: error: unknown option: '--silent'`,
    });
  });

  it("vitest: an error thrown in a source file says where, beside the test's own line", () => {
    const id = "test/utilities.test.ts > withoutHost > ?foo=123#hash";
    expect(failure("vitest-ufo-source-frame.txt", id)).toEqual({
      id,
      line: 378,
      message: "TypeError: withoutHost: cannot keep hash #hash (at src/utils.ts:773)",
    });
  });

  it("vitest --typecheck: a type error in a source file, outside any test", () => {
    expect(failure("vitest-ufo-typecheck.txt", "src/utils.ts")).toEqual({
      id: "src/utils.ts",
      line: 327,
      message: "TypeCheckError: Type 'string' is not assignable to type 'number'.",
    });
  });

  it("TAP: node's nested subtests under their file, the assertion's sides or expression", () => {
    expect(
      failure(
        "node-test-commander-tap.txt",
        "tests/command.exitOverride.test.js > Command.exitOverride > when specify unknown program option then throw CommanderError",
      ),
    ).toMatchObject({
      line: 21,
      message: `AssertionError: expected: error: unknown option '-m'; actual: error: unknown option: '-m'`,
    });
    expect(
      failure(
        "node-test-commander-tap.txt",
        "tests/command.help.test.js > help handling > when option has choices then choices included in helpInformation",
      ).message,
    ).toBe(
      `AssertionError: The expression evaluated to a falsy value: assert(helpInformation.includes('(choices: "red", "blue")'))`,
    );
    const parents = failuresOf("node-test-commander-tap.txt").filter((f) =>
      /> (?:help handling|Help\.commandUsage\(\)|command suggestions)$/.test(f.id),
    );
    expect(parents).toEqual([]);
  });

  it("node --test's spec reporter: the failing-tests section, the same message as its TAP", () => {
    const id =
      "tests/command.exitOverride.test.js > when specify unknown program option then throw CommanderError";
    expect(failure("node-test-commander-spec.txt", id)).toEqual({
      id,
      line: 21,
      message: `AssertionError: expected: error: unknown option '-m'; actual: error: unknown option: '-m'`,
    });
  });

  it("mocha: node's assertion diff as its two sides, the test's line, where an error was thrown", () => {
    const charset =
      'test/test.js > mimeTypes > .charset(type) > should return "UTF-8" for "text/html"';
    const unknown =
      "test/test.js > mimeTypes > .contentType(extension) > should return false for unknown extensions";
    for (const fixture of ["mocha-mime-types-failing.txt", "mocha-mime-types-dot.txt"]) {
      expect(failure(fixture, charset)).toEqual({
        id: charset,
        line: 23,
        message: "AssertionError: expected: 'UTF-8'; actual: 'utf-8'",
      });
      // Thrown in the library, not in the test: the test's line, and where it was thrown.
      expect(failure(fixture, unknown)).toEqual({
        id: unknown,
        line: 70,
        message: "TypeError: exports.lookup(...).trim is not a function (at index.js:85)",
      });
    }
  });

  it("mocha: hooks under mocha's own title, a timeout's file from its message, a thrown string", () => {
    const hook =
      'test/cart.test.js > Cart > with prices from a file > "before all" hook for "prices an apple"';
    expect(failure("mocha11-hooks-timeout.txt", hook)).toEqual({
      id: hook,
      line: 26,
      message:
        "Error: ENOENT: no such file or directory, open 'test/fixtures/prices.json' (at lib/cart.js:20)",
    });
    const each = 'test/cart.test.js > Cart > checkout > "before each" hook for "empties the cart"';
    expect(failure("mocha11-hooks-timeout.txt", each)).toEqual({
      id: each,
      line: 41,
      message: "TypeError: cart.checkout is not a function",
    });
    expect(
      failure("mocha11-hooks-timeout.txt", "test/cart.test.js > Cart > confirms payment in time")
        .message,
    ).toMatch(/^Error: Timeout of 100ms exceeded\. .*ensure it resolves\.$/);
    // Only node's own frames in its stack: no file to name.
    expect(failure("mocha11-hooks-timeout.txt", "Cart > throws a plain string")).toEqual({
      id: "Cart > throws a plain string",
      message: 'Error: the string "out of stock" was thrown, throw an Error :)',
    });
  });

  it("mocha: a test file that does not load, by its file and line, with npm's lines around", () => {
    expect(failuresOf("mocha11-syntax-error.txt")).toEqual([
      {
        id: "test/receipt.test.js",
        line: 9,
        message: "SyntaxError: missing ) after argument list",
      },
    ]);
    expect(failuresOf("mocha11-npm-test-missing-module.txt")).toEqual([
      {
        id: "test/receipt.test.js",
        line: 3,
        message: "Error: Cannot find module '../lib/receipt'",
      },
    ]);
  });

  it("TAP and JUnit from vitest: the same ids and messages as its own report", () => {
    const id = "test/encoding.test.ts > encodeQueryValue > hello world";
    const message = "AssertionError: expected 'hello%20world' to strictly equal 'hello+world'";
    expect(failure("vitest-ufo-tap-flat.txt", id)).toEqual({ id, line: 104, message });
    expect(failure("vitest-ufo-junit.txt", id)).toEqual({ id, line: 104, message });
  });

  it("unittest: the dotted id, the line in the test, the exception; a doctest's example", () => {
    expect(
      failure("unittest-more-itertools.txt", "tests.test_more.NthOrLastTests.test_default_value"),
    ).toEqual({
      id: "tests.test_more.NthOrLastTests.test_default_value",
      line: 213,
      message: "AssertionError: [42] != 42",
    });
    expect(failure("unittest-more-itertools.txt", "more_itertools.more.last").message).toBe(
      "doctest failed: last([], 'some default'); expected 'some default'; got ['some default']",
    );
  });

  it("go test: the failing subtest and its panic, not the parent; a build failure by package", () => {
    const ids = failuresOf("go-test-panic-build.txt").map((f) => f.id);
    expect(ids).not.toContain("example.com/store/cart.TestTotal");
    expect(failure("go-test-panic-build.txt", "example.com/store/cart.TestTotal/empty")).toEqual({
      id: "example.com/store/cart.TestTotal/empty",
      line: 16,
      message: "panic: runtime error: index out of range [0] with length 0",
    });
    expect(failure("go-test-panic-build.txt", "example.com/store/api").message).toBe(
      "build failed; api/api.go:5:9: undefined: undefinedRouter",
    );
    expect(
      failure("go-test-verbose-large.txt", "example.com/shop/catalog.TestCase05Input205"),
    ).toMatchObject({
      line: 32,
      message:
        "catalog_test.go:30: checking doubling for input 5; catalog_test.go:32: Double(5) = 10, want 11",
    });
    // Several t.Errorf calls: the first and the last, with their file, and the count between.
    for (const fixture of ["go-test-pflag-failing.txt", "go-test-json-pflag.txt"]) {
      expect(failure(fixture, "github.com/spf13/pflag.TestCount")).toEqual({
        id: "github.com/spf13/pflag.TestCount",
        line: 52,
        message:
          "count_test.go:52: expected 1, got 2; … 3 more; count_test.go:52: expected 4, got 5",
      });
    }
  });

  it("cargo test: the panic message with both sides of assert_eq, and doctests by name", () => {
    expect(failure("cargo-test-multi-target.txt", "split_keeps_remainder")).toEqual({
      id: "split_keeps_remainder",
      line: 11,
      message:
        "tests/balance.rs:11:5: assertion `left == right` failed: parts [3, 3, 3] lose the remainder; left: 9; right: 10",
    });
    // The module path does not say which file panicked; the message does.
    expect(failure("cargo-test-strsim-panics.txt", "tests::hamming_names")).toEqual({
      id: "tests::hamming_names",
      line: 85,
      message: "src/lib.rs:85:22: hamming: input too long",
    });
    expect(
      failure("cargo-test-strsim-panics.txt", "src/lib.rs - normalized_levenshtein (line 277)")
        .line,
    ).toBe(277);
    expect(failure("cargo-test-multi-target.txt", "split_by_zero_panics").message).toBe(
      "test did not panic as expected",
    );
    expect(failure("cargo-test-compile-error.txt", "src/lib.rs", 25).message).toBe(
      "E0308: mismatched types",
    );
  });

  it("tsc: the code, the message and its elaboration", () => {
    expect(failure("tsc-large-errors.txt", "src/features/module03.ts", 10).message).toBe(
      "TS2322: Type '(a: string) => string' is not assignable to type '(a: number) => string'. Types of parameters 'a' and 'a' are incompatible. Type 'number' is not assignable to type 'string'.",
    );
    expect(failure("tsc-pretty-errors.txt", "src/config.ts", 3).message).toBe(
      "TS2741: Property 'host' is missing in type '{ port: number; }' but required in type 'Config'.",
    );
  });

  it("eslint: errors come before warnings, so a cap never hides an error", () => {
    const failures = failuresOf("eslint-small.txt");
    expect(failures.map((f) => f.message.split(":")[0])).toEqual([
      "no-undef",
      "no-var",
      "no-unused-vars",
      "no-empty",
      "no-console (warning)",
      "prefer-const (warning)",
    ]);
  });

  it("mypy: errors only, with their code; notes are not problems", () => {
    expect(failuresOf("mypy-small-errors.txt")).toEqual([
      {
        id: "app/main.py",
        line: 5,
        message: 'operator: Unsupported operand types for + ("str" and "None")',
      },
    ]);
  });

  it("mypy --pretty: a message wrapped at the terminal's width, whole and with its code", () => {
    expect(failure("mypy-pretty-itsdangerous.txt", "src/itsdangerous/url_safe.py", 79)).toEqual({
      id: "src/itsdangerous/url_safe.py",
      line: 79,
      message: 'type-arg: "TimedSerializer" expects no type arguments, but 1 given',
    });
  });

  it("ruff: both the concise and the full format", () => {
    expect(failure("ruff-full-small.txt", "app/main.py", 1).message).toBe(
      "F401: `os` imported but unused",
    );
    expect(failure("ruff-concise-large.txt", "src/shop/catalog/module_01.py", 14).message).toBe(
      "E501: Line too long (96 > 88)",
    );
  });
});
