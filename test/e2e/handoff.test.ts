import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  ProgressNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gitOutput } from "../../src/handoff/worktree.js";
import { type FakeGemini, type FakeGeminiReply, startFakeGemini } from "../fakes/gemini.js";
import { type FakeOllama, type FakeReply, startFakeOllama, userPrompts } from "../fakes/ollama.js";
import { initRepo, worktreePaths, writeIn } from "../support/git-repo.js";
import { callError, callOk, type RunningServer, startServer } from "../support/server.js";

/** The models behind the default aliases qwen-coder, qwen-fast and flash. */
const CODER = "qwen2.5-coder:32b";
const FAST = "qwen2.5-coder:7b";
const FLASH = "gemini-2.5-flash";

const BROKEN_ADD = "export function add(a, b) {\n  return a - b;\n}\n";
const FIXED_ADD = "export function add(a, b) {\n  return a + b;\n}\n";
const WRONG_ADD = "export function add(a, b) {\n  return a * b;\n}\n";
const BROKEN_SUB = "export function sub(a, b) {\n  return a + b;\n}\n";
const FIXED_SUB = "export function sub(a, b) {\n  return a - b;\n}\n";

/** Computed by the shell, so the marker is in the command's output but not in the spec's text. */
const MARKER = "MARKER-1234";
const VERIFY_ADD =
  'grep -q "return a + b" src/add.js || { echo "add is still wrong: MARKER-$((1200 + 34))"; exit 1; }';
const VERIFY_SUB = 'grep -q "return a - b" src/sub.js || { echo "sub is still wrong"; exit 1; }';

/** implement_spec's result for one spec, as the host reads it. */
interface Implemented {
  spec_id: string;
  verdict: "pass" | "fail";
  attempts: number;
  worker: string;
  /** "src/add.js +1 −1", with " (new)" or " (deleted)" after the path. */
  files_changed?: string[];
  verification: { exit_code?: number; digest?: string };
  blockers?: string[];
  deviations?: string[];
  /** Relative to the project. */
  patch?: string;
  coder_reached?: false;
  report: string;
  candidates?: {
    worker: string;
    verdict: "pass" | "fail";
    attempts: number;
    files_changed: number;
    blockers?: string[];
    deviations?: string[];
  }[];
}
interface Division {
  verdict: "pass" | "fail";
  results: Implemented[];
}
interface Written {
  spec_id: string;
  /** Relative to the project. */
  path: string;
  uri: string;
  batch?: string[];
}

let base: string;
let ollama: FakeOllama;
let gemini: FakeGemini;
let repoCount = 0;
const running: RunningServer[] = [];

// Our own reply queues rather than the fakes' script(): they are emptied before each test, so
// an answer a failing test did not consume cannot leak into the next one.
const ollamaAnswers = new Map<string, FakeReply[]>();
const geminiAnswers = new Map<string, FakeGeminiReply[]>();

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-handoff-e2e-")));
  ollama = await startFakeOllama({
    models: [{ name: CODER }, { name: FAST }],
    reply: (request) => ollamaAnswers.get(request.model)?.shift() ?? "no answer was scripted",
  });
  gemini = await startFakeGemini({
    reply: (request) => geminiAnswers.get(request.model)?.shift() ?? "no answer was scripted",
  });
});
afterAll(async () => {
  await Promise.all([ollama.close(), gemini.close()]);
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  ollamaAnswers.clear();
  geminiAnswers.clear();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

function ollamaSays(model: string, ...replies: FakeReply[]): void {
  ollamaAnswers.set(model, [...(ollamaAnswers.get(model) ?? []), ...replies]);
}
function geminiSays(model: string, ...replies: FakeGeminiReply[]): void {
  geminiAnswers.set(model, [...(geminiAnswers.get(model) ?? []), ...replies]);
}

/** A coder's JSON answer. */
function answer(files: { path: string; action: string; content: string }[], extra = {}): string {
  return JSON.stringify({ files, blockers: [], deviations: [], ...extra });
}
const fixedAdd = answer([{ path: "src/add.js", action: "MODIFY", content: FIXED_ADD }]);
const wrongAdd = answer([{ path: "src/add.js", action: "MODIFY", content: WRONG_ADD }]);

/** A folder in the test's temp area; a committed git repository holding `files` unless `git` is false. */
async function project(files: Record<string, string>, git = true): Promise<string> {
  repoCount += 1;
  const root = join(base, `project-${repoCount}`);
  if (git) return initRepo(root, files);
  for (const [path, content] of Object.entries(files)) writeIn(root, path, content);
  return root;
}

/** The built server started in `cwd`, its models the fakes; closed after the test. */
async function serve(cwd: string): Promise<Client> {
  const server = await startServer({
    cwd,
    env: { OLLAMA_HOST: ollama.url, GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
  });
  running.push(server);
  return server.client;
}

const FIX_ADD_SPEC = {
  title: "Fix add",
  objective: "add must return the sum of its arguments.",
  files: [
    { path: "src/add.js", action: "MODIFY", function: "add", change: "Return a + b, not a - b." },
  ],
  guardrails: ["Do not rename the function."],
  verification: VERIFY_ADD,
};
const FIX_SUB_SPEC = {
  title: "Fix sub",
  objective: "sub must return the difference of its arguments.",
  files: [
    { path: "src/sub.js", action: "MODIFY", function: "sub", change: "Return a - b, not a + b." },
  ],
  verification: VERIFY_SUB,
};

async function writeSpec(
  client: Client,
  spec: Record<string, unknown> = FIX_ADD_SPEC,
): Promise<Written> {
  return (await callOk(client, "write_code_spec", spec)) as unknown as Written;
}

async function implement(client: Client, args: Record<string, unknown>): Promise<Implemented> {
  return (await callOk(client, "implement_spec", args)) as unknown as Implemented;
}

/** The saved patch of a result, read from the project it is relative to. */
function patchOf(repo: string, result: Implemented): string {
  return readFileSync(join(repo, result.patch ?? "(no patch)"), "utf8");
}

async function readText(client: Client, uri: string): Promise<string> {
  const resource = await client.readResource({ uri });
  return (resource.contents[0] as { text: string }).text;
}

async function git(repo: string, args: string[]): Promise<string> {
  return (await gitOutput(repo, args)).trim();
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** `.squad` set up to lead elsewhere: how, and the error write_code_spec must give. */
const squadEscapes: [
  name: string,
  plant: (repo: string, outside: string) => void,
  error: RegExp,
][] = [
  [
    ".squad linked to a folder outside the project",
    (repo, outside) => symlinkSync(outside, join(repo, ".squad")),
    /^\.squad: \/.*\/\.squad is a symbolic link leading outside the project \(to \/.*outside-\d+\)/,
  ],
  [
    ".squad/specs linked to a folder outside the project",
    (repo, outside) => {
      mkdirSync(join(repo, ".squad"));
      symlinkSync(outside, join(repo, ".squad", "specs"));
    },
    /^\.squad: \/.*\/\.squad\/specs is a symbolic link leading outside the project/,
  ],
  [
    "a dangling .squad symlink",
    (repo, outside) => symlinkSync(join(outside, "missing"), join(repo, ".squad")),
    /^\.squad: \/.*\/\.squad is a dangling symbolic link/,
  ],
  [
    "a dangling .squad/.gitignore symlink",
    (repo, outside) => {
      mkdirSync(join(repo, ".squad"));
      symlinkSync(join(outside, "planted"), join(repo, ".squad", ".gitignore"));
    },
    /^\.squad: \/.*\/\.squad\/\.gitignore is a symbolic link; squad-mcp writes only plain files here/,
  ],
];

describe("write_code_spec with a .squad that leads elsewhere", () => {
  it.each(squadEscapes)(
    "refuses %s, naming the path, and writes nothing there",
    async (_name, plant, error) => {
      const repo = await project({ "src/add.js": BROKEN_ADD });
      const outside = join(base, `outside-${repoCount}`);
      mkdirSync(outside);
      plant(repo, outside);
      const client = await serve(repo);

      expect(await callError(client, "write_code_spec", FIX_ADD_SPEC)).toMatch(error);
      expect(readdirSync(outside)).toEqual([]);
    },
  );
});

describe("write_code_spec", () => {
  it("saves CS-001 as Markdown under .squad/specs, serves it as a resource and numbers the next CS-002", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);

    const first = await writeSpec(client);

    expect(first).toEqual({
      spec_id: "CS-001",
      path: join(".squad", "specs", "CS-001.md"),
      uri: "squad://specs/CS-001",
    });
    const markdown = readFileSync(join(repo, first.path), "utf8");
    expect(markdown).toContain("# Code Spec CS-001 — Fix add");
    expect(markdown).toContain("## Objective");
    expect(markdown).toContain("## Files to Modify");
    expect(markdown).toContain("## Verification Command");
    expect(markdown).toContain(VERIFY_ADD);
    expect(await readText(client, "squad://specs/CS-001")).toBe(markdown);

    const second = await writeSpec(client, { ...FIX_ADD_SPEC, title: "Fix add again" });
    expect(second.spec_id).toBe("CS-002");
    expect(readFileSync(join(repo, ".squad/specs/CS-002.md"), "utf8")).toContain("Fix add again");
    const listed = (await client.listResources()).resources.map((resource) => resource.uri);
    expect(listed).toEqual(
      expect.arrayContaining(["squad://specs/CS-001", "squad://specs/CS-002"]),
    );
    await expect(client.readResource({ uri: "squad://specs/CS-099" })).rejects.toThrow(/CS-099/);

    expect(existsSync(join(repo, ".squad", ".gitignore"))).toBe(true);
    expect(await git(repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
  });

  it("refuses a spec without verification, a path leaving the project, and bad files, naming the field", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);
    const { verification: _, ...unverifiable } = FIX_ADD_SPEC;

    expect(await callError(client, "write_code_spec", unverifiable)).toMatch(
      /^verification: .*cannot be verified/,
    );
    const outside = {
      ...FIX_ADD_SPEC,
      files: [{ path: "../outside.js", action: "NEW", change: "x" }],
    };
    expect(await callError(client, "write_code_spec", outside)).toMatch(/^files\[0\]\.path: /);
    const missing = {
      ...FIX_ADD_SPEC,
      files: [...FIX_ADD_SPEC.files, { path: "src/gone.js", action: "MODIFY", change: "x" }],
    };
    expect(await callError(client, "write_code_spec", missing)).toMatch(
      /^files\[1\]\.path: "src\/gone\.js" does not exist/,
    );
    const existing = {
      ...FIX_ADD_SPEC,
      files: [{ path: "src/add.js", action: "NEW", change: "x" }],
    };
    expect(await callError(client, "write_code_spec", existing)).toMatch(
      /^files\[0\]\.path: "src\/add\.js" already exists/,
    );
    expect(existsSync(join(repo, ".squad/specs/CS-001.md"))).toBe(false);
  });

  it("refuses a batch with one bad spec as a whole, so no id is used up", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);
    const bad = { ...FIX_ADD_SPEC, files: [{ path: "../outside.js", action: "NEW", change: "x" }] };

    expect(await callError(client, "write_code_spec", { specs: [FIX_ADD_SPEC, bad] })).toMatch(
      /^specs\[1\]\.files\[0\]\.path: /,
    );
    expect(existsSync(join(repo, ".squad/specs/CS-001.md"))).toBe(false);
    expect((await writeSpec(client)).spec_id).toBe("CS-001");
  });

  it("writes a batch as CS-001 and CS-002, the first carrying the Batch Mode header", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD, "src/sub.js": BROKEN_SUB });
    const client = await serve(repo);

    const written = await writeSpec(client, { specs: [FIX_ADD_SPEC, FIX_SUB_SPEC] });

    expect(written.spec_id).toBe("CS-001");
    expect(written.batch).toEqual(["CS-001", "CS-002"]);
    const first = readFileSync(join(repo, ".squad/specs/CS-001.md"), "utf8");
    const second = readFileSync(join(repo, ".squad/specs/CS-002.md"), "utf8");
    expect(first).toContain("Batch Mode Active");
    expect(first).toContain("Fix add");
    expect(second).not.toContain("Batch Mode Active");
    expect(second).toContain("# Code Spec CS-002 — Fix sub");
    expect(second).toContain("**Batch:** 2 of 2 (CS-001 through CS-002)");
  });

  it("answers a big batch in one short line, every spec still saved", async () => {
    const repo = await project({ "README.md": "# r\n" });
    const client = await serve(repo);
    const specs = Array.from({ length: 12 }, (_, i) => ({
      title: `Module ${i}`,
      objective: `Add module ${i}.`,
      files: [{ path: `src/m${i}.js`, action: "NEW", change: `export const m${i} = ${i};` }],
      verification: `node src/m${i}.js`,
    }));

    const result = await client.callTool({ name: "write_code_spec", arguments: { specs } });

    expect(result.isError).toBeFalsy();
    const text = (result.content as { text: string }[])[0]?.text ?? "";
    expect(text.split("\n")).toEqual([
      `12 specs saved, CS-001 through CS-012, in ${join(".squad", "specs")} (squad://specs/<id>)`,
      "Next: implement_spec with spec_ids (division), or one spec_id at a time.",
    ]);
    const batch = (result.structuredContent as unknown as Written).batch;
    expect(batch).toHaveLength(12);
    expect(batch?.[11]).toBe("CS-012");
    expect(existsSync(join(repo, ".squad/specs/CS-012.md"))).toBe(true);
  });
});

describe("implement_spec and apply_spec", () => {
  it("passes on the first attempt without touching the user's tree; apply_spec then stages the change", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);
    await writeSpec(client);
    const since = ollama.requests.length;
    ollamaSays(CODER, fixedAdd);

    const result = await implement(client, { spec_id: "CS-001", coder: "qwen-coder" });

    expect(result).toMatchObject({
      spec_id: "CS-001",
      verdict: "pass",
      attempts: 1,
      worker: "qwen-coder",
      files_changed: ["src/add.js +1 −1"],
      patch: join(".squad", "specs", "CS-001.patch"),
      report: "squad://specs/CS-001/report",
    });
    // Exit 0, no blockers, no deviations, one coder: nothing to say.
    expect(result.verification.exit_code).toBeUndefined();
    expect(result).not.toHaveProperty("blockers");
    expect(result).not.toHaveProperty("deviations");
    expect(result.candidates).toBeUndefined();
    expect(userPrompts(ollama, CODER, since)).toEqual([expect.stringContaining("return a - b;")]);
    expect(patchOf(repo, result)).toContain("+  return a + b;");
    const report = await readText(client, result.report);
    expect(report).toContain("## Summary");
    expect(report).toContain("## Files Changed");
    expect(report).toContain("src/add.js");
    expect(readFileSync(join(repo, "src/add.js"), "utf8")).toBe(BROKEN_ADD);
    expect(await git(repo, ["status", "--porcelain"])).toBe("");
    expect(await worktreePaths(repo)).toEqual([repo]);

    const applied = await callOk(client, "apply_spec", { spec_id: "CS-001" });

    expect(applied).toEqual({
      spec_id: "CS-001",
      applied: true,
      verdict: "pass",
      files: ["src/add.js"],
    });
    expect(readFileSync(join(repo, "src/add.js"), "utf8")).toBe(FIXED_ADD);
    expect(await git(repo, ["diff", "--cached", "--name-only"])).toBe("src/add.js");
    expect((await git(repo, ["log", "--format=%s"])).split("\n")).toEqual(["initial"]);
  });

  it("tells the coder why its first attempt failed and passes on the second, reporting progress per attempt", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const server = await startServer({
      cwd: repo,
      env: { OLLAMA_HOST: ollama.url, GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
    });
    running.push(server);
    // The SDK client drops progress that shares a read with the response; listen to it directly.
    const progress: {
      progress: number;
      total?: number | undefined;
      message?: string | undefined;
    }[] = [];
    server.client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
      progress.push(notification.params);
    });
    await writeSpec(server.client);
    const since = ollama.requests.length;
    ollamaSays(CODER, wrongAdd, fixedAdd);

    const call = await server.client.callTool(
      { name: "implement_spec", arguments: { spec_id: "CS-001" } },
      CallToolResultSchema,
      { onprogress: () => {} },
    );

    expect(call.isError).toBeFalsy();
    expect(call.structuredContent).toMatchObject({
      spec_id: "CS-001",
      verdict: "pass",
      attempts: 2,
      worker: "qwen-coder",
      verification: {},
    });
    // The last attempt's verification exited 0.
    expect(call.structuredContent).not.toHaveProperty("verification.exit_code");
    const prompts = userPrompts(ollama, CODER, since);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).not.toContain(MARKER);
    expect(prompts[1]).toContain(MARKER);
    expect(prompts[1]).toContain("previous attempt (1) failed: verification failed (exit 1)");
    expect(await until(() => progress.length >= 2, 2_000)).toBe(true);
    expect(progress).toEqual([
      {
        progressToken: expect.anything(),
        progress: 1,
        total: 2,
        message: "CS-001 attempt 1/2 on qwen-coder: verification failed (exit 1)",
      },
      {
        progressToken: expect.anything(),
        progress: 2,
        total: 2,
        message: "CS-001 attempt 2/2 on qwen-coder: verification passed",
      },
    ]);
    expect(await worktreePaths(repo)).toEqual([repo]);
  });

  it("writes no file a coder names outside the project or inside .git, and lists them as deviations", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);
    await writeSpec(client);
    const outsideName = `escape-${repoCount}-${Date.now()}.js`;
    ollamaSays(
      CODER,
      answer([
        { path: "src/add.js", action: "MODIFY", content: FIXED_ADD },
        { path: `../${outsideName}`, action: "NEW", content: "escaped();\n" },
        { path: ".git/hooks/post-checkout", action: "NEW", content: "#!/bin/sh\necho pwned\n" },
      ]),
    );

    const result = await implement(client, { spec_id: "CS-001", max_attempts: 1 });

    expect(result.verdict).toBe("pass");
    expect(result.files_changed).toEqual(["src/add.js +1 −1"]);
    expect(result.deviations).toEqual([
      `"../${outsideName}" not written: the path has a '..' segment`,
      expect.stringMatching(/^"\.git\/hooks\/post-checkout" not written: .*\.git/),
    ]);
    for (const folder of [base, repo, tmpdir(), join(repo, "src")]) {
      expect(existsSync(join(folder, outsideName))).toBe(false);
    }
    expect(existsSync(join(repo, ".git/hooks/post-checkout"))).toBe(false);
    const patch = patchOf(repo, result);
    expect(patch).not.toContain("escape");
    expect(patch).not.toContain("pwned");
    expect(await worktreePaths(repo)).toEqual([repo]);
  });

  it("lets coders compete on one spec and keeps the one whose change verifies", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);
    await writeSpec(client);
    const geminiSince = gemini.requests.length;
    ollamaSays(CODER, wrongAdd);
    geminiSays(FLASH, fixedAdd);

    const result = await implement(client, {
      spec_id: "CS-001",
      coders: ["qwen-coder", "flash"],
      max_attempts: 1,
    });

    expect(result).toMatchObject({ verdict: "pass", worker: "flash", attempts: 1 });
    // The kept coder is the result itself; candidates are the others.
    expect(result.candidates).toEqual([
      { worker: "qwen-coder", verdict: "fail", attempts: 1, files_changed: 1 },
    ]);
    expect(gemini.requests.slice(geminiSince).map((request) => request.model)).toEqual([FLASH]);
    expect(patchOf(repo, result)).toContain("+  return a + b;");
    expect(await readText(client, result.report)).toContain("## Candidates");
    expect(await worktreePaths(repo)).toEqual([repo]);
  });

  it("divides specs among coders in turn and passes when every spec passes", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD, "src/sub.js": BROKEN_SUB });
    const client = await serve(repo);
    await writeSpec(client, FIX_ADD_SPEC);
    await writeSpec(client, FIX_SUB_SPEC);
    const since = ollama.requests.length;
    ollamaSays(CODER, fixedAdd);
    ollamaSays(FAST, answer([{ path: "src/sub.js", action: "MODIFY", content: FIXED_SUB }]));

    const totals: (number | undefined)[] = [];
    client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
      totals.push(notification.params.total);
    });
    const call = await client.callTool(
      {
        name: "implement_spec",
        arguments: { spec_ids: ["CS-001", "CS-002"], coders: ["qwen-coder", "qwen-fast"] },
      },
      CallToolResultSchema,
      { onprogress: () => {} },
    );
    const division = call.structuredContent as unknown as Division;

    expect(call.isError).toBeFalsy();
    expect(division.verdict).toBe("pass");
    // One attempt per spec arrived, each counted against 2 specs × 2 attempts at most.
    expect(await until(() => totals.length >= 2, 2_000)).toBe(true);
    expect(totals).toEqual([4, 4]);
    expect(division.results).toMatchObject([
      { spec_id: "CS-001", worker: "qwen-coder", verdict: "pass", attempts: 1 },
      { spec_id: "CS-002", worker: "qwen-fast", verdict: "pass", attempts: 1 },
    ]);
    expect(division.results[0]?.files_changed).toEqual(["src/add.js +1 −1"]);
    expect(division.results[1]?.files_changed).toEqual(["src/sub.js +1 −1"]);
    expect(userPrompts(ollama, CODER, since)).toEqual([
      expect.stringContaining("# Code Spec CS-001 — Fix add"),
    ]);
    expect(userPrompts(ollama, FAST, since)).toEqual([
      expect.stringContaining("# Code Spec CS-002 — Fix sub"),
    ]);
    expect(existsSync(join(repo, ".squad/specs/CS-001.patch"))).toBe(true);
    expect(existsSync(join(repo, ".squad/specs/CS-002.patch"))).toBe(true);
    expect(await worktreePaths(repo)).toEqual([repo]);
  });

  it("refuses to apply over the user's own change to the same line, and changes nothing", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);
    await writeSpec(client);
    ollamaSays(CODER, fixedAdd);
    expect((await implement(client, { spec_id: "CS-001" })).verdict).toBe("pass");
    const refusal = /^CS-001 not applied: conflicts in src\/add\.js\. Nothing was changed\./;
    const refused = {
      spec_id: "CS-001",
      applied: false,
      verdict: "pass",
      conflicts: ["src/add.js"],
    };

    // An unstaged edit of the file.
    writeFileSync(join(repo, "src/add.js"), WRONG_ADD);
    const unstaged = await client.callTool({
      name: "apply_spec",
      arguments: { spec_id: "CS-001" },
    });
    expect(unstaged.isError).toBe(true);
    expect(unstaged.structuredContent).toEqual(refused);
    expect((unstaged.content as { text: string }[])[0]?.text).toMatch(refusal);
    expect(readFileSync(join(repo, "src/add.js"), "utf8")).toBe(WRONG_ADD);
    expect(await git(repo, ["status", "--porcelain"])).toBe("M src/add.js");

    // The same edit committed: a 3-way merge of the patch conflicts on that line.
    await gitOutput(repo, ["commit", "--quiet", "-am", "multiply"]);
    const committed = await client.callTool({
      name: "apply_spec",
      arguments: { spec_id: "CS-001" },
    });
    expect(committed.isError).toBe(true);
    expect(committed.structuredContent).toEqual(refused);
    expect((committed.content as { text: string }[])[0]?.text).toMatch(refusal);
    expect(readFileSync(join(repo, "src/add.js"), "utf8")).toBe(WRONG_ADD);
    expect(await git(repo, ["status", "--porcelain"])).toBe("");
  });

  it("removes the attempt's worktree when the call is cancelled while the coder is still answering", async () => {
    const repo = await project({ "src/add.js": BROKEN_ADD });
    const client = await serve(repo);
    await writeSpec(client);
    const since = ollama.requests.length;
    ollamaSays(CODER, { content: fixedAdd, delayMs: 5_000 });
    const controller = new AbortController();

    const call = client
      .callTool(
        { name: "implement_spec", arguments: { spec_id: "CS-001" } },
        CallToolResultSchema,
        { signal: controller.signal },
      )
      .then(
        () => "resolved",
        (error: Error) => error,
      );
    expect(await until(() => userPrompts(ollama, CODER, since).length > 0, 5_000)).toBe(true);
    const during = await worktreePaths(repo);
    expect(during).toHaveLength(2);
    const attemptTree = during.find((path) => path !== repo) ?? "";
    controller.abort();

    expect(await call).toBeInstanceOf(Error);
    expect(await until(async () => (await worktreePaths(repo)).length === 1, 3_000)).toBe(true);
    expect(await worktreePaths(repo)).toEqual([repo]);
    expect(existsSync(attemptTree)).toBe(false);
    expect(readFileSync(join(repo, "src/add.js"), "utf8")).toBe(BROKEN_ADD);
    expect(await git(repo, ["status", "--porcelain"])).toBe("");
    await expect(client.readResource({ uri: "squad://specs/CS-001/report" })).rejects.toThrow(
      /CS-001 has no report yet/,
    );
    // The server goes on serving: the next implementation of the spec runs normally.
    ollamaSays(CODER, fixedAdd);
    expect((await implement(client, { spec_id: "CS-001" })).verdict).toBe("pass");
    expect(await worktreePaths(repo)).toEqual([repo]);
  });

  it("refuses to implement in a folder that is not a git repository, after writing the spec there", async () => {
    const folder = await project({ "src/add.js": BROKEN_ADD }, false);
    const client = await serve(folder);
    expect((await writeSpec(client)).spec_id).toBe("CS-001");
    const since = ollama.requests.length;
    ollamaSays(CODER, fixedAdd);

    const text = await callError(client, "implement_spec", { spec_id: "CS-001" });

    expect(text).toMatch(/is not a git repository \(git init and commit once, then try again\)/);
    expect(userPrompts(ollama, CODER, since)).toEqual([]);
    expect(existsSync(join(folder, ".squad/specs/CS-001.patch"))).toBe(false);
    expect(existsSync(join(folder, ".git"))).toBe(false);
  });
});
