import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";
import { describe, expect, it } from "vitest";
import type { CodeReport } from "../handoff/report.js";
import type { CodeSpec } from "../handoff/spec.js";
import { SCHEMA_VERSION } from "./migrations.js";
import { formatSpecId } from "./specs.js";
import { openSqlite } from "./sqlite.js";
import { openStore } from "./store.js";

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const dbFile = () => join(tempDir("specs-"), "squad.db");

const spec = (title = "Add y"): CodeSpec => ({
  title,
  objective: "Callers need y.",
  priority: "P2",
  files: [{ path: "src/x.ts", action: "MODIFY", change: "export y", constraints: [] }],
  tests: [],
  guardrails: [],
  verification: "npm test",
});

const report = (verdict: CodeReport["verdict"], attempts: number): CodeReport => ({
  spec_id: "CS-001",
  verdict,
  attempts,
  worker: "qwen-coder",
  files_changed: [{ path: "src/x.ts", added: 2, removed: 1 }],
  verification: { command: "npm test", exit_code: verdict === "pass" ? 0 : 1, digest: "" },
  blockers: [],
  deviations: [],
});

describe("spec store", () => {
  it("numbers specs per project and keeps each one's title, priority and fields", () => {
    const store = openStore(dbFile());
    expect(store.specs.allocate("/repo/a", [spec("one"), spec("two")], 5)).toEqual([
      "CS-001",
      "CS-002",
    ]);
    expect(store.specs.allocate("/repo/b", [spec("other")])).toEqual(["CS-001"]);
    expect(store.specs.allocate("/repo/a", [spec("three")])).toEqual(["CS-003"]);
    expect(store.specs.get("/repo/a", "CS-002")).toEqual({
      project: "/repo/a",
      id: "CS-002",
      number: 2,
      createdAt: 5,
      title: "two",
      priority: "P2",
      spec: spec("two"),
      markdownPath: null,
    });
    expect(store.specs.get("/repo/b", "CS-001")?.title).toBe("other");
    expect(store.specs.get("/repo/b", "CS-002")).toBeUndefined();
    expect(store.specs.allocate("/repo/a", [])).toEqual([]);
    store.close();
  });

  it("continues numbering after a restart", () => {
    const file = dbFile();
    const first = openStore(file);
    first.specs.allocate("/repo", [spec(), spec()]);
    first.close();
    const second = openStore(file);
    expect(second.specs.allocate("/repo", [spec()])).toEqual(["CS-003"]);
    second.close();
  });

  it("pads ids to three digits and keeps counting past 999", () => {
    expect(formatSpecId(7)).toBe("CS-007");
    expect(formatSpecId(1000)).toBe("CS-1000");
  });

  it("records where the Markdown was written, and refuses an id never allocated", () => {
    const store = openStore(dbFile());
    const [id = ""] = store.specs.allocate("/repo", [spec()]);
    store.specs.setMarkdownPath("/repo", id, "/repo/.squad/specs/CS-001.md");
    expect(store.specs.get("/repo", id)?.markdownPath).toBe("/repo/.squad/specs/CS-001.md");
    expect(() => store.specs.setMarkdownPath("/repo", "CS-009", "x")).toThrow(/no spec CS-009/);
    store.close();
  });

  it("keeps every report and returns the latest, per project", () => {
    const store = openStore(dbFile());
    store.specs.allocate("/repo", [spec()]);
    store.specs.allocate("/other", [spec()]);
    const save = (project: string, r: CodeReport, createdAt: number) =>
      store.specs.saveReport(project, {
        specId: "CS-001",
        createdAt,
        report: r,
        reportPath: `${project}/.squad/specs/CS-001.report.md`,
        patchPath: null,
      });
    expect(store.specs.latestReport("/repo", "CS-001")).toBeUndefined();
    save("/repo", report("fail", 2), 10);
    save("/repo", report("pass", 1), 10);
    save("/other", report("fail", 1), 20);
    expect(store.specs.latestReport("/repo", "CS-001")).toEqual({
      project: "/repo",
      specId: "CS-001",
      createdAt: 10,
      verdict: "pass",
      report: report("pass", 1),
      reportPath: "/repo/.squad/specs/CS-001.report.md",
      patchPath: null,
    });
    expect(store.specs.latestReport("/other", "CS-001")?.verdict).toBe("fail");
    expect(() =>
      store.specs.saveReport("/repo", {
        specId: "CS-404",
        createdAt: 1,
        report: report("pass", 1),
        reportPath: null,
        patchPath: null,
      }),
    ).toThrow(/no spec CS-404/);
    store.close();
  });

  it("never hands out one id twice when two stores share a file", () => {
    const file = dbFile();
    const one = openStore(file);
    const two = openStore(file);
    const ids: string[] = [];
    for (let round = 0; round < 20; round++) {
      ids.push(...one.specs.allocate("/repo", [spec(), spec()]));
      ids.push(...two.specs.allocate("/repo", [spec()]));
    }
    expect(new Set(ids).size).toBe(60);
    expect(ids.slice(0, 6)).toEqual(["CS-001", "CS-002", "CS-003", "CS-004", "CS-005", "CS-006"]);
    one.close();
    two.close();
  });

  it("never hands out one id twice when two server processes allocate at the same moment", async () => {
    const file = dbFile();
    openStore(file).close();
    const child = await bundleAllocatingChild();
    const rounds = 150;
    const children = [spawnChild(child, file, rounds), spawnChild(child, file, rounds)];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.process.stdin?.end("go\n");
    const [first = [], second = []] = await Promise.all(children.map((c) => c.ids));
    expect(first).toHaveLength(rounds * 2);
    expect(second).toHaveLength(rounds * 2);
    const all = [...first, ...second];
    expect(new Set(all).size).toBe(all.length);
    const numbers = all.map((id) => Number(id.slice(3))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
  });

  it("adds the spec tables to a database left at schema v3, keeping its data", () => {
    const file = dbFile();
    const store = openStore(file);
    store.validations.save({
      id: "v-1",
      createdAt: 1,
      task: "t",
      decisionId: null,
      pass: true,
      escalate: false,
      confidence: 1,
      issues: [],
      checks: [],
      validator: null,
      outcomeId: null,
    });
    store.close();
    // What steps 1–3 alone leave behind: no spec tables (nor later ones), user_version 3.
    const raw = openSqlite(file);
    raw.exec(
      "DROP TABLE tool_calls; DROP TABLE command_groups; DROP TABLE spec_reports; DROP TABLE specs; PRAGMA user_version = 3;",
    );
    raw.close();

    const upgraded = openStore(file);
    expect(upgraded.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(6);
    expect(upgraded.validations.count()).toBe(1);
    expect(upgraded.specs.allocate("/repo", [spec()])).toEqual(["CS-001"]);
    upgraded.close();
  });
});

const NODE_MODULES = fileURLToPath(new URL("../../node_modules", import.meta.url));

const CHILD_SOURCE = `
import { openStore } from "./store.mjs";
const [file, rounds] = process.argv.slice(2);
const spec = ${JSON.stringify(spec())};
const store = openStore(file);
process.stdout.write("ready\\n");
process.stdin.once("data", () => {
  const ids = [];
  for (let i = 0; i < Number(rounds); i++) ids.push(...store.specs.allocate("/repo", [spec, spec]));
  store.close();
  process.stdout.write(JSON.stringify(ids) + "\\n");
});
`;

/**
 * The real store, compiled to one ESM file so a plain `node` child can run it: the test then
 * races two processes on one database as two Claude Code sessions would.
 */
async function bundleAllocatingChild(): Promise<string> {
  const dir = tempDir("specs-child-");
  await build({
    input: fileURLToPath(new URL("./store.ts", import.meta.url)),
    platform: "node",
    external: ["better-sqlite3"],
    resolve: { extensionAlias: { ".js": [".ts", ".js"] } },
    logLevel: "silent",
    output: {
      file: join(dir, "store.mjs"),
      format: "esm",
    },
  });
  const entry = join(dir, "child.mjs");
  writeFileSync(entry, CHILD_SOURCE);
  return entry;
}

interface AllocatingChild {
  process: ChildProcess;
  ready: Promise<void>;
  ids: Promise<string[]>;
}

function spawnChild(entry: string, file: string, rounds: number): AllocatingChild {
  const child = spawn(process.execPath, [entry, file, String(rounds)], {
    stdio: ["pipe", "pipe", "pipe"],
    // Where Node has no SQLite built in, the bundled store loads better-sqlite3 from here.
    env: { ...process.env, NODE_PATH: NODE_MODULES },
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith("ready\n")) resolve();
    });
  });
  const ids = new Promise<string[]>((resolve, reject) => {
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`allocating child exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.slice("ready\n".length)) as string[]);
    });
  });
  return { process: child, ready, ids };
}
