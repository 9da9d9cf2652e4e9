import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { openSqlite, sqliteDriver } from "../../src/memory/sqlite.js";
import { runCli } from "../support/cli.js";
import { CLOSED_OLLAMA, tempDir as newTempDir, PACKAGE_ROOT } from "../support/server.js";

const made: string[] = [];
/** A temp folder removed when the file's tests end. */
function tempDir(): string {
  const dir = newTempDir();
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A store that cannot be used: where SQUAD_HOME points, and what the one line must say. */
interface BadStore {
  name: string;
  /** Makes the bad store; returns SQUAD_HOME and the database file the message must name. */
  make: () => { home: string; file: string };
  problem: RegExp;
  /** Runs the command under this prefix (a read-only bind mount needs bubblewrap). */
  wrap?: (home: string) => string[];
}

const hasBwrap = (() => {
  try {
    execFileSync("bwrap", ["--dev-bind", "/", "/", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const cases: BadStore[] = [
  {
    name: "SQUAD_HOME below a regular file",
    make: () => {
      const parent = tempDir();
      writeFileSync(join(parent, "plain"), "x");
      const home = join(parent, "plain", "squad");
      return { home, file: join(home, "squad.db") };
    },
    problem: /cannot be opened for writing \(a part of .* is a file, not a folder\)/,
  },
  {
    name: "squad.db is a folder",
    make: () => {
      const home = tempDir();
      mkdirSync(join(home, "squad.db"));
      return { home, file: join(home, "squad.db") };
    },
    problem: /cannot be opened for writing \(it is a folder\)/,
  },
  {
    name: "squad.db is not a database",
    make: () => {
      const home = tempDir();
      writeFileSync(join(home, "squad.db"), "this is a text file, not SQLite\n".repeat(200));
      return { home, file: join(home, "squad.db") };
    },
    problem: /is not a usable SQLite database.*move it aside/,
  },
  {
    name: "squad.db has a newer schema",
    make: () => {
      const home = tempDir();
      const file = join(home, "squad.db");
      const db = openSqlite(file);
      db.exec("PRAGMA user_version = 99");
      db.close();
      return { home, file };
    },
    problem: /newer than this squad-mcp.*upgrade squad-mcp/,
  },
  ...(hasBwrap
    ? [
        {
          name: "SQUAD_HOME on a read-only file system",
          make: () => {
            const home = tempDir();
            return { home, file: join(home, "squad.db") };
          },
          problem:
            /cannot be opened for writing \(.* is on a read-only file system\); make its folder writable/,
          wrap: (home: string) => ["bwrap", "--dev-bind", "/", "/", "--ro-bind", home, home],
        },
      ]
    : []),
];

describe("a store that cannot be used", () => {
  it.each(cases)("$name: the server exits 2 with one line naming the file", async (bad) => {
    const { home, file } = bad.make();
    const result = await runCli(["call", "route_task", '{"task": "summarise a log"}'], {
      env: { SQUAD_HOME: home },
      ...(bad.wrap ? { wrap: bad.wrap(home) } : {}),
    });
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`squad-mcp: cannot use the database: ${file}: `);
    expect(lines[0]).toMatch(bad.problem);
    expect(result.stdout).toBe("");
  });

  it.each(cases)("$name: doctor reports it in its database row and goes on", async (bad) => {
    const { home, file } = bad.make();
    const result = await runCli(["doctor"], {
      env: { SQUAD_HOME: home },
      ...(bad.wrap ? { wrap: bad.wrap(home) } : {}),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toContain(`database  NOT USABLE: ${file}: `);
    expect(result.stdout).toMatch(bad.problem);
    // The rest of the report is still there.
    expect(result.stdout).toMatch(/^gemini\s+no GEMINI_API_KEY/m);
    expect(result.stdout).toMatch(/^mcp\s/m);
  });
});

describe("without better-sqlite3 installed (the bundle copied alone)", () => {
  const builtIn = sqliteDriver().driver === "node:sqlite";

  it(
    builtIn
      ? "runs from the bundle alone: this Node has SQLite built in"
      : "stops with one line naming the missing module and the fix",
    async () => {
      const alone = tempDir();
      const home = tempDir();
      cpSync(join(PACKAGE_ROOT, "bundle"), join(alone, "bundle"), { recursive: true });
      cpSync(join(PACKAGE_ROOT, "package.json"), join(alone, "package.json"));
      try {
        const result = await execa(
          process.execPath,
          [join(alone, "bundle", "cli.js"), "call", "route_task", '{"task":"pytest -q"}'],
          {
            cwd: alone,
            env: { SQUAD_HOME: home, HOME: home, OLLAMA_HOST: CLOSED_OLLAMA },
            extendEnv: false,
            reject: false,
          },
        );
        if (builtIn) {
          expect(result.exitCode).toBe(0);
          expect(JSON.parse(result.stdout)).toMatchObject({ kind: "command" });
        } else {
          expect(result.exitCode).toBe(2);
          expect(result.stderr.trim().split("\n")).toEqual([
            expect.stringMatching(
              /^squad-mcp: cannot use the database: better-sqlite3: is not installed, .*run `npm install better-sqlite3`.*or use Node 22\.16 or later/,
            ),
          ]);
        }
      } finally {
        for (const dir of [alone, home]) rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
