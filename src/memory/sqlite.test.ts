import { describe, expect, it } from "vitest";
import { openSqlite } from "./sqlite.js";

describe("openSqlite", () => {
  it("stores text holding NUL with U+FFFD in its place, positional and named, on either driver", () => {
    const db = openSqlite(":memory:");
    try {
      db.exec("CREATE TABLE t (x TEXT, y TEXT)");
      db.prepare("INSERT INTO t (x, y) VALUES (?, ?)").run("run \u0000 tests", "plain");
      db.prepare("INSERT INTO t (x, y) VALUES (@x, @y)").run({ x: "a\u0000b", y: "c", extra: 1 });
      const rows = db.prepare<[], { x: string; y: string }>("SELECT x, y FROM t").all();
      expect(rows).toEqual([
        { x: "run \uFFFD tests", y: "plain" },
        { x: "a\uFFFDb", y: "c" },
      ]);
      const found = db
        .prepare<[string], { x: string }>("SELECT x FROM t WHERE x = ?")
        .get("a\u0000b");
      expect(found).toEqual({ x: "a\uFFFDb" });
    } finally {
      db.close();
    }
  });
});
