import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pragmaValue } from "../../src/memory/db.js";
import { SCHEMA_VERSION } from "../../src/memory/migrations.js";
import { openSqlite } from "../../src/memory/sqlite.js";
import { callOk, startServer, tempDir } from "../support/server.js";

describe("several server processes on one database", () => {
  it("4 processes logging 250 outcomes each concurrently leave exactly 1000 rows, no error", async () => {
    const home = tempDir("squad-shared-");
    // Started together, so the four also race to create the file and run the migrations.
    const servers = await Promise.all(Array.from({ length: 4 }, () => startServer({ home })));
    try {
      await Promise.all(
        servers.map(async (server, index) => {
          for (let i = 0; i < 250; i++) {
            await callOk(server.client, "log_outcome", {
              worker: index % 2 ? "qwen-fast" : "flash",
              category: "tests",
              success: i % 5 !== 0,
              latency_ms: i,
              notes: `process ${index} outcome ${i}`,
            });
          }
        }),
      );
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
    for (const server of servers) expect(server.stderr()).not.toMatch(/SQLITE_BUSY|failed inside/);
    const db = openSqlite(join(home, "squad.db"), { readOnly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(count("SELECT count(*) AS n FROM outcomes")).toBe(1000);
      expect(count("SELECT sum(n) AS n FROM profiles")).toBe(1000);
      expect(count("SELECT sum(successes) AS n FROM profiles")).toBe(800);
      expect(count("SELECT count(*) AS n FROM memory_fts")).toBe(1000);
      expect(pragmaValue(db, "user_version")).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });
});
