import { join } from "node:path";
import { execa, type Result } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOSED_OLLAMA, PACKAGE_ROOT, tempDir } from "../support/server.js";

/** The demo type-checks this repository for real; under a loaded test run that takes a while. */
const DEMO_TIMEOUT_MS = 300_000;

describe("npm run demo", () => {
  let result: Result<{ reject: false }>;
  let out = "";
  beforeAll(async () => {
    result = await execa(process.execPath, [join(PACKAGE_ROOT, "build/scripts/demo.js")], {
      env: { PATH: process.env.PATH, HOME: tempDir(), OLLAMA_HOST: CLOSED_OLLAMA },
      extendEnv: false,
      reject: false,
    });
    out = result.stdout;
  }, DEMO_TIMEOUT_MS);

  it("routes typical tasks, learns from outcomes on model work and exits 0 with nothing else installed", () => {
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(out).toMatch(/simulated Ollama: no live Ollama answered at http:\/\/127\.0\.0\.1:2/);
    expect(out).toMatch(/grep -rn "ACGMEValidator" backend\/\s+→ command\s+explore/);
    expect(out).toMatch(/cd backend && pytest -v\s+→ command\s+tests/);
    expect(out).toMatch(/Add docstrings to app\/utils\/dates\.py → qwen-fast\s+docs/);
    expect(out).toContain("Simulated models give scripted answers; checks judge each one");
    expect(out).toMatch(/round 1 {2}→ qwen-fast .* ✗ must_match/);
    expect(out).toMatch(/round 3 {2}→ qwen-coder .* ✓ """Return the date n days after day/);
    expect(out).toMatch(
      /Check whether next month's call sch…\s+→ host\s+review .*acgme-compliance/,
    );
    expect(out).toMatch(/→ host\s+architecture/);
    expect(out).toMatch(/again\s+→ qwen-coder\s+2\/2, 0\.92 chosen over qwen-fast, qwen-moe/);
    expect(out.split("\n").length).toBeLessThanOrEqual(104);
  });

  it("runs a real squad over this repository, following its progress notifications", () => {
    expect(out).toContain("A squad run over this repository");
    // Progress: every task's start and end arrived as a notification, the last one at 4/4.
    for (const id of ["type-check", "fixture-tests", "grep", "git-status"])
      expect(out).toMatch(new RegExp(`\\d+\\.\\d s\\s+\\d/4 done — started ${id}$`, "m"));
    expect(out).toMatch(
      /\d+\.\d s\s+\d\/4 done — fixture-tests failed: vitest: 1 failed, 1 passed/,
    );
    expect(out).toMatch(/\d+\.\d s\s+4\/4 done — /);
    // One line per task: mark, id, duration, the digest's first line.
    expect(out).toMatch(/✓ type-check\s+\d+\.\d s\s+tsc: 0 errors \(exit 0\)/);
    expect(out).toMatch(/✗ fixture-tests\s+\d+\.\d s\s+vitest: 1 failed, 1 passed \(exit 1\)/);
    expect(out).toMatch(/✓ grep\s+\d+\.\d s\s+grep: [1-9]\d* matches in [1-9]\d* files \(exit 0\)/);
    // git status prints nothing in a clean tree, and a command that printed nothing has no digest.
    // Its digest: "no output", or the short status itself (shorter than any summary of it).
    expect(out).toMatch(/✓ git-status\s+\d+\.\d s\s+(no output|[ MADRCU?!]{2} \S+)/);
    // The failing test is named, with its line and the assertion's message.
    expect(out).toContain(
      "- duty-hours.spec.mjs > duty hours > averages the 80-hour limit over four weeks (line 13)",
    );
    expect(out).toContain("AssertionError: expected false to be true");
    // Full output stays behind the log resource, and is larger than what the host read.
    const log =
      /squad:\/\/runs\/(r-[\w-]+)\/fixture-tests: ([\d,]+) characters read back, against ([\d,]+) characters in its digest/.exec(
        out,
      );
    expect(log).not.toBeNull();
    const [logChars, digestChars] = [log?.[2], log?.[3]].map((n) => Number(n?.replace(/,/g, "")));
    expect(logChars).toBeGreaterThan(digestChars ?? Number.POSITIVE_INFINITY);
    expect(out).toMatch(
      /squad: 4 commands in \d+\.\d s, 1 failed, 3 ok; ~[1-9][\d,]* host tokens saved/,
    );
  });

  it("has a coder implement a Code Spec in a worktree, retrying with the failure, then applies it", () => {
    expect(out).toContain("4. Architect → coder");
    expect(out).toMatch(/write_code_spec → CS-001 saved as \.squad\/specs\/CS-001\.md/);
    // The simulated coder's first answer fails the spec's tests; the second, told why, passes.
    expect(out).toMatch(
      /progress: CS-001 attempt 1\/2 on qwen-coder: verification failed \(exit 1\)/,
    );
    expect(out).toMatch(/progress: CS-001 attempt 2\/2 on qwen-coder: verification passed/);
    expect(out).toMatch(
      /✓ implement_spec → pass by qwen-coder after 2 attempts: src\/slug\.js \+4 −1; your tree untouched/,
    );
    expect(out).toMatch(
      /squad:\/\/specs\/CS-001\/report: qwen-coder's implementation of CS-001 passed/,
    );
    expect(out).toMatch(
      /apply_spec → src\/slug\.js staged, not committed \(git diff --cached: 1 file changed/,
    );
    expect(out).toMatch(/spec: CS-001 pass by qwen-coder after 2 attempts, applied/);
  });

  it("ends with the stats table of what it just did", () => {
    const stats = out.slice(out.indexOf("6. squad-mcp stats"));
    // The coder's row carries its model time and tokens over both attempts.
    expect(stats).toMatch(
      /qwen-coder\s+codegen\s+1\s+0\s+100%\s+\d+ ms\s+[1-9][\d,]*\s+[1-9][\d,]*\s/,
    );
    expect(stats).toMatch(/qwen-coder\s+docs\s+2\s+0\s+100%/);
    // The four docstring rounds and the squad run over this repository.
    expect(stats).toMatch(/squad runs\s+5\n/);
    // The host's ledger: what it did not read or write, priced at claude-opus-4-5's rates.
    expect(stats).toMatch(/host ledger \(claude-opus-4-5: \$[\d.]+\/M in, \$[\d.]+\/M out\)/);
    expect(stats).toMatch(
      /gross\s+\$\d+\.\d{4}: [1-9][\d,]* tokens not read, [1-9][\d,]* not written\n/,
    );
    expect(stats).toMatch(/costs\s+\$\d+\.\d{4}: [1-9][\d,]* tokens of results read/);
    expect(stats).toMatch(/net saving\s+-?\$\d+\.\d{4}/);
  });
});
