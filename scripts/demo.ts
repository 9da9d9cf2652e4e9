/**
 * `npm run demo`: squad-mcp's main job end to end, for someone who has just installed it.
 * A temporary project with one real skill, the built server spawned over stdio as Claude Code
 * spawns it, a handful of typical tasks routed (commands to the squad, model work to a worker,
 * skill work to the host), and routing learning from the outcomes the host logs on model work; then a real squad run over this repository (type-check, the tests of a
 * small fixture project, a grep, git status) in parallel, followed by its progress notifications;
 * then a Code Spec implemented by a coder model in a worktree, verified and applied.
 * Needs nothing installed: without a live Ollama, Gemini key, OpenAI-compatible server
 * (OPENAI_BASE_URL) or Anthropic key it runs against the simulated Ollama from test/fakes.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { errorMessage } from "../src/errors.js";
import { openSqlite } from "../src/memory/sqlite.js";
import {
  CLI,
  callOk,
  PACKAGE_ROOT,
  type RunningServer,
  runTasks,
  startServer,
  tempDir,
} from "../test/support/server.js";
import { type Backends, chooseBackends } from "./demo/backends.js";
import { bold, cell, clip, dim, heading, mark } from "./demo/print.js";
import { createProject, DATES_FILE, SKILL_NAME } from "./demo/project.js";
import { type Route, routeTask, workerRecord } from "./demo/results.js";
import { createSpecProject, runSpec, type SpecOutcome } from "./demo/spec.js";
import { FIXTURE, ID_WIDTH, runSquad, SQUAD_TASKS, type SquadRun } from "./demo/squad.js";

/** Typical work: commands for the squad, a search, model work, and work that stays home. */
const TASKS = [
  "cd backend && pytest -v",
  "cd frontend && npm test",
  "cd frontend && npm run type-check",
  "cd frontend && npm run lint",
  'grep -rn "ACGMEValidator" backend/',
  "Check whether next month's call schedule violates ACGME duty hour limits",
  "Should we adopt microservices?",
  "Add docstrings to app/utils/dates.py",
];

const LESSON_TASK = `Write the docstring for add_days in ${DATES_FILE}`;
const LESSON_PROMPT =
  `Write the docstring for add_days in ${DATES_FILE}: one or two sentences naming its ` +
  "parameters day and n and what it returns. Answer with the docstring only.";
/** What a right docstring for add_days must say, and what a wrong one says. */
const LESSON_CHECKS = {
  must_match: ["\\bday\\b", "\\bn\\b", "[Rr]eturn"],
  must_not_match: ["\\bcount\\b", "[Rr]eturns? an? str"],
};
/**
 * With the simulated Ollama, what each model answers (a live model writes its own): the small
 * models get add_days wrong in two ways, the larger coder gets it right.
 */
const SIMULATED_ANSWERS: Record<string, string[]> = {
  "qwen-fast": ['"""Add count days to the date and give the new date."""'],
  "qwen-moe": ['"""Add n days to day.\n\nReturns a str in ISO format."""'],
  "qwen-coder": [
    '"""Return the date n days after day (n may be negative)."""',
    '"""Return the date n days after day; a negative n goes back."""',
  ],
};
const MAX_ROUNDS = 6;

const TASK_WIDTH = 36;

interface Cleanup {
  /** Set from the moment the server is spawned, so an interrupt during start-up still stops it. */
  server: Promise<RunningServer> | null;
  /** The second server, started in this repository for the squad run. */
  squad: Promise<RunningServer> | null;
  /** The third, started in a small git project for the architect → coder step. */
  spec: Promise<RunningServer> | null;
  backends: Backends | null;
  dirs: string[];
}

async function main(cleanup: Cleanup): Promise<void> {
  console.log(
    bold("squad-mcp demo: the host keeps skill work, the squad does the rest, and it learns"),
  );
  const project = tempDir("squad-demo-project-");
  const home = tempDir("squad-demo-home-");
  const userHome = tempDir("squad-demo-user-");
  cleanup.dirs.push(project, home, userHome);
  cleanup.backends = await chooseBackends(process.env);
  const backends = cleanup.backends;
  createProject(project, backends.workers);
  console.log(`${label("Backends")}${backends.describe.join(`\n${" ".repeat(LABEL_WIDTH)}`)}`);
  console.log(
    `${label("Project")}temp folder with .claude/skills/${SKILL_NAME}; squad.config.json turns exploration off`,
  );

  cleanup.server = startServer({
    home,
    cwd: project,
    env: { ...backends.env, HOME: userHome, SQUAD_LOG_LEVEL: "error" },
  });
  const server = await cleanup.server;
  const { client } = server;
  const { tools } = await client.listTools();
  const names = tools.map((tool) => tool.name).join(", ");
  const cli = relative(process.cwd(), CLI) || CLI;
  console.log(`${label("Server")}${cli} spawned over stdio as Claude Code does; tools: ${names}`);

  heading("1. Who should do each task?  route_task → worker or host, category, complexity 0–10");
  const routes: Route[] = [];
  for (const task of TASKS) {
    const route = await routeTask(client, task);
    routes.push(route);
    console.log(`  ${cell(task, TASK_WIDTH)} → ${describeRoute(route)}`);
  }
  console.log(
    dim(
      "  The grep names ACGMEValidator yet goes to the squad: searching needs no skill, judging does.",
    ),
  );

  heading(
    "2. Learning: route a docstring, the worker writes it (spawn_squad), validate_output judges it, route again",
  );
  const simulated = backends.scriptAnswers;
  if (simulated) {
    for (const [alias, answers] of Object.entries(SIMULATED_ANSWERS)) simulated(alias, answers);
  }
  console.log(
    dim(
      `  ${simulated ? "Simulated models give scripted answers; " : ""}checks judge each one and the verdict is logged for the worker. 2/3, 0.85 = successes/tries on docs, expected success.`,
    ),
  );
  const lesson = await teachDocs(client);

  await server.close();
  cleanup.server = null;

  heading(
    "3. A squad run over this repository: spawn_squad, 4 commands at once, progress as it goes",
  );
  cleanup.squad = startServer({
    home,
    cwd: PACKAGE_ROOT,
    env: { HOME: userHome, SQUAD_LOG_LEVEL: "error" },
  });
  const squadServer = await cleanup.squad;
  console.log(
    `  A second server started in ${PACKAGE_ROOT} runs these; ${FIXTURE} fails one test on purpose:`,
  );
  for (const task of SQUAD_TASKS) console.log(`  ${cell(task.id, ID_WIDTH)} ${dim(task.command)}`);
  const run = await runSquad(squadServer.client);
  await squadServer.close();
  cleanup.squad = null;

  heading("4. Architect → coder: write_code_spec → implement_spec in a worktree → apply_spec");
  const spec = await specStep(cleanup, backends, home, userHome);

  heading("5. Summary");
  const commands = routes.filter((route) => route.kind === "command").length;
  const models = routes.filter((route) => route.kind === "model").length;
  console.log(
    `  ${routes.length} tasks: ${commands} commands for the squad, ${models} to model workers, ${routes.length - commands - models} kept by the host (${hostReasons(routes)})`,
  );
  if (lesson) console.log(`  ${lesson}`);
  console.log(`  ${describeRun(run)}`);
  if (spec) console.log(`  ${describeSpec(spec)}`);
  console.log(
    `  Data: ${storedCounts(join(home, "squad.db"))} in $SQUAD_HOME/squad.db (default ~/.squad; this run's was temporary)`,
  );
  console.log(`  Use it: claude mcp add squad -- node ${CLI}`);

  heading(
    "6. squad-mcp stats: what this demo's servers recorded (all three shared one SQUAD_HOME)",
  );
  console.log(statsTable(home, workersConfig(home, backends)));
}

const LABEL_WIDTH = 10;

function label(text: string): string {
  return bold(text.padEnd(LABEL_WIDTH));
}

/** Why the host kept what it kept, counted: "1 needs a skill, 1 architecture". */
function hostReasons(routes: Route[]): string {
  const counts = new Map<string, number>();
  for (const route of routes.filter((r) => r.kind === "host")) {
    const why = route.skills ? "needs a skill" : route.category;
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  return [...counts].map(([why, n]) => `${n} ${why}`).join(", ") || "none";
}

/** One compact line: who, what kind of work at what complexity, and why. */
function describeRoute(route: Route): string {
  const who = route.kind === "model" ? (route.worker ?? "?") : route.kind;
  return `${cell(who, 10)} ${cell(`${route.category} ${route.complexity}`, 17)} ${dim(shortWhy(route))}`;
}

/** The rationale's first clause says why; the rest is detail for the host. */
function shortWhy(route: Route): string {
  if (route.skills) return `needs its skill ${route.skills.join(", ")}`;
  return clip(route.rationale.split(/ \(|; /)[0] ?? route.rationale, 44);
}

/**
 * Routes the docstring task, sends the host's verdict on each worker's answer back through
 * log_outcome, and routes again, until one worker has proven itself twice.
 * Returns the lesson in one line, or null when there were no squad workers to learn about.
 */
async function teachDocs(client: Client): Promise<string | null> {
  const failed: string[] = [];
  const wins = new Map<string, number>();
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const route = await routeTask(client, LESSON_TASK);
    const worker = route.worker;
    if (route.route === "host" || worker === undefined) {
      console.log(`  round ${round}  → host: ${clip(route.rationale, 80)}`);
      return failed.length
        ? `docs: ${failed.join(", ")} failed and fell below the bar; with no other worker, docs stay with the host`
        : null;
    }
    if ((wins.get(worker) ?? 0) >= 2) {
      showSettled(route, failed);
      const losers = failed.length
        ? `${failed.join(", ")} failed and lost their turn`
        : "nobody failed";
      return `docs: ${losers}; ${worker} (${record(route)}) now gets them first`;
    }
    const verdict = await writeAndJudge(client, worker, route.decision_id);
    if (verdict.pass) wins.set(worker, (wins.get(worker) ?? 0) + 1);
    else if (!failed.includes(worker)) failed.push(worker);
    console.log(
      `  round ${round}  → ${cell(worker, 11)} ${dim(cell(record(route), 10))} ${mark(verdict.pass)} ${clip(verdict.why, 60)}`,
    );
  }
  return null;
}

/** The worker writes the docstring; validate_output judges it and logs the verdict for it. */
async function writeAndJudge(
  client: Client,
  worker: string,
  decisionId: string,
): Promise<{ pass: boolean; why: string }> {
  const run = await callOk(client, "spawn_squad", {
    tasks: [{ id: "doc", prompt: LESSON_PROMPT, worker, files: [DATES_FILE] }],
  });
  const [task] = runTasks(run);
  if (task?.status !== "ok") return { pass: false, why: `no answer: ${task?.digest ?? "?"}` };
  const answer = task.digest ?? "";
  const verdict = (await callOk(client, "validate_output", {
    task: LESSON_TASK,
    output: answer,
    checks: LESSON_CHECKS,
    decision_id: decisionId,
  })) as { pass: boolean; checks?: { failed?: string[] } };
  const failing = verdict.checks?.failed?.[0];
  return { pass: verdict.pass, why: failing ?? answer.split("\n")[0] ?? "" };
}

function showSettled(route: Route, failed: string[]): void {
  const over = failed.length ? ` over ${failed.join(", ")} (lower expected success)` : "";
  console.log(`  again    → ${cell(route.worker ?? "?", 11)} ${record(route)} chosen${over}`);
  for (const [i, past] of (route.similar ?? []).entries()) {
    const lead = i === 0 ? "similar:" : "";
    console.log(
      `  ${cell(lead, 13)}${mark(past.success)} ${cell(past.worker, 11)} ${dim(clip(past.notes ?? past.task ?? "", 60))}`,
    );
  }
}

/** A worker's record on the category: successes/tries and the expected success rate. */
function record(route: Route): string {
  const evidence = workerRecord(route);
  if (!evidence) return "no record";
  return `${evidence.successes}/${evidence.n}, ${evidence.expected.toFixed(2)}`;
}

/**
 * The spec step in its own small git project and server; skipped with a line saying why when
 * no coder model is reachable.
 */
async function specStep(
  cleanup: Cleanup,
  backends: Backends,
  home: string,
  userHome: string,
): Promise<SpecOutcome | null> {
  if ("none" in backends.coder) {
    console.log(`  skipped: ${backends.coder.none}`);
    return null;
  }
  const project = tempDir("squad-demo-spec-");
  cleanup.dirs.push(project);
  await createSpecProject(project);
  const simulated = backends.scriptCoder
    ? " (simulated, scripted: its first answer forgets the end dashes)"
    : "";
  console.log(
    `  A git project whose slugify fails its tests; coder ${backends.coder.alias}${simulated}`,
  );
  cleanup.spec = startServer({
    home,
    cwd: project,
    env: {
      ...backends.env,
      ...workersConfig(home, backends),
      HOME: userHome,
      SQUAD_LOG_LEVEL: "error",
    },
  });
  const server = await cleanup.spec;
  const outcome = await runSpec(server.client, project, backends.coder.alias, backends);
  await server.close();
  cleanup.spec = null;
  return outcome;
}

/**
 * SQUAD_CONFIG naming a file with the demo's extra aliases, for the servers and commands that
 * do not start in the demo project (the spec project is a git repository: nothing is added to
 * it); empty when there are none.
 */
function workersConfig(home: string, backends: Backends): Record<string, string> {
  if (Object.keys(backends.workers).length === 0) return {};
  const file = join(home, "demo-workers.json");
  writeFileSync(file, JSON.stringify({ workers: backends.workers }));
  return { SQUAD_CONFIG: file };
}

/** "spec: CS-001 pass by qwen-coder after 2 attempts, applied" */
function describeSpec(spec: SpecOutcome): string {
  const attempts = plural(spec.attempts, "attempt");
  return `spec: ${spec.spec_id} ${spec.verdict} by ${spec.worker} after ${attempts}, ${spec.applied ? "applied to the working tree (staged)" : "not applied"}`;
}

/** "squad: 4 commands in 13.0 s, 3 ok, 1 failed; ~500 host tokens saved" */
function describeRun(run: SquadRun): string {
  const counts = Object.entries(run.counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const saved = run.host_tokens_saved.toLocaleString("en-US");
  const total = Object.values(run.counts).reduce((sum, n) => sum + n, 0);
  return `squad: ${plural(total, "command")} in ${(run.duration_ms / 1000).toFixed(1)} s, ${counts}; ~${saved} host tokens saved`;
}

/** `squad-mcp stats` over the demo's database, as a user would run it. */
function statsTable(home: string, config: Record<string, string>): string {
  const stats = spawnSync(process.execPath, [CLI, "stats", "--since", "1h"], {
    env: { ...process.env, ...config, SQUAD_HOME: home, OLLAMA_HOST: "http://127.0.0.1:2" },
    encoding: "utf8",
  });
  if (stats.status !== 0) return `  squad-mcp stats failed: ${stats.stderr.trim()}`;
  return stats.stdout
    .trimEnd()
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** What the server wrote, read back from its database once it has shut down. */
function storedCounts(file: string): string {
  try {
    const db = openSqlite(file, { readOnly: true });
    try {
      const count = (table: string) =>
        (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return `${plural(count("decisions"), "decision")}, ${plural(count("outcomes"), "outcome")}`;
    } finally {
      db.close();
    }
  } catch {
    return "decisions and outcomes";
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

async function cleanUp(cleanup: Cleanup): Promise<void> {
  const servers = [cleanup.server, cleanup.squad, cleanup.spec];
  cleanup.server = null;
  cleanup.squad = null;
  cleanup.spec = null;
  for (const server of servers) await server?.then((running) => running.close()).catch(() => {});
  await cleanup.backends?.close().catch(() => {});
  cleanup.backends = null;
  for (const dir of cleanup.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const cleanup: Cleanup = { server: null, squad: null, spec: null, backends: null, dirs: [] };
let stopping = false;
const stopEarly = (code: number) => {
  stopping = true;
  void cleanUp(cleanup).finally(() => process.exit(code));
};
process.once("SIGINT", () => stopEarly(130));
process.once("SIGTERM", () => stopEarly(143));
// `npm run demo | head` closes the pipe early: stop quietly, still cleaning up.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") stopEarly(0);
  else throw error;
});
try {
  await main(cleanup);
} catch (error) {
  // Once stopEarly runs, calls fail because it closed the server; it sets the exit code.
  if (!stopping) {
    console.error(`\ndemo failed: ${errorMessage(error)}`);
    for (const pending of [cleanup.server, cleanup.squad, cleanup.spec]) {
      const server = await pending?.catch(() => null);
      const stderr = server?.stderr().trim();
      if (stderr) console.error(`server stderr:\n${stderr}`);
    }
    process.exitCode = 1;
  }
} finally {
  await cleanUp(cleanup);
}
