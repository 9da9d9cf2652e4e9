import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../src/memory/sqlite.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/server.js";

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
