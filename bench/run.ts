/**
 * `npm run bench`: measures the performance budgets this server can be held to today
 * and prints them as a Markdown table (stdout); progress goes to stderr. Raw figures and the
 * machine go to bench/results.json. Exits non-zero only on a crash or a wrong row count:
 * budgets are reported, not enforced.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { type FakeOllama, startFakeOllama } from "../test/fakes/ollama.js";
import { PACKAGE_ROOT } from "../test/support/server.js";
import {
  BIG_MESSAGE_BUDGET_MS,
  type BigMessageFigures,
  bigMessageRows,
  measureBigMessage,
} from "./big-message.js";
import {
  type EconomyRow,
  economyRows,
  economyTable,
  measureContextEconomy,
} from "./context-economy.js";
import { logOutcomeThroughput, type Throughput } from "./log-outcome.js";
import { latency, markdownTable, ms, type Row, thousands, verdict } from "./report.js";
import {
  type InServerRun,
  openContext,
  type RouteBreakdown,
  type RouteRun,
  routeBreakdown,
  routeInMemory,
  routeOverStdio,
} from "./route.js";
import { measureRouteScaling, type ScalePoint, scaleRows } from "./route-scale.js";
import { seedMemory } from "./seed.js";
import {
  digestTable,
  measureSquad,
  SQUAD_BUDGET,
  type SquadFigures,
  squadResults,
  squadRows,
} from "./squad.js";
import { type StartSample, timeStartup } from "./startup.js";
import { progress, round, type Summary, stepper, summarize } from "./stats.js";
import { pick, type TaskText } from "./tasks.js";
import {
  measureToolList,
  TOOL_LIST_BUDGET_BYTES,
  type ToolListFigures,
  toolListRows,
} from "./tool-list.js";
import { measureValidateOverhead, type ValidateFigures, validateRows } from "./validate.js";
import { removeScratch, scratchDir } from "./workspace.js";

const STARTS = 10;
const OUTCOMES = 100_000;
const DISTINCT_TASKS = 400;
const WARMUP = 50;
const ROUTE_CALLS = 2_000;
/** Calls in the server process over the in-memory transport: its p99 is held to the budget. */
const IN_SERVER_CALLS = 2_000;
/** Calls for the control run on an empty memory and for timing routeTask()'s parts. */
const CONTROL_CALLS = 1_000;
const DIAGNOSTIC_CALLS = 1_000;
const LOG_CALLS = 2_000;
const LOG_SERVERS = 4;
const LOG_CALLS_EACH = 1_000;
const SEED = 20_240_601;

const BUDGET = { startupMedianMs: 300, routeP99Ms: 5 };

const step = stepper(13);

type Machine = ReturnType<typeof machine>;

function machine() {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? "unknown",
    cores: cores.length,
    ramGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    /** 1-minute load average when the bench began: other work on the machine skews timings. */
    loadAtStart: round(loadavg()[0] ?? 0, 2),
  };
}

interface StartupFigures {
  samples: StartSample[];
  wall: Summary;
  /** Null where the server's CPU time cannot be read (no /proc). */
  cpu: Summary | null;
}

interface RouteFigures {
  seeded: { outcomes: number; decisions: number; distinctTasks: number; ms: number };
  stdio: RouteRun;
  empty: RouteRun;
  inMemory: InServerRun;
  breakdown: RouteBreakdown;
}

interface Figures {
  machine: Machine & { loadAtEnd: number };
  startup: StartupFigures;
  route: RouteFigures;
  routeScale: ScalePoint[];
  logOutcome: { single: Throughput; shared: Throughput };
  squad: SquadFigures;
  validate: ValidateFigures;
  toolList: ToolListFigures;
  bigMessage: BigMessageFigures;
  economy: EconomyRow[];
  totalMs: number;
}

async function main(): Promise<number> {
  const began = performance.now();
  const host = machine();
  progress(`${host.cpu}, ${host.cores} cores, ${host.ramGiB} GiB, Node ${host.node}`);
  const ollama = await startFakeOllama({
    models: [{ name: "qwen2.5-coder:7b" }, { name: "qwen2.5-coder:32b" }],
  });
  let figures: Figures;
  try {
    const startup = await measureStartup(ollama);
    const route = await measureRouting(ollama);
    step("route_task as the outcomes stored grow: 10k, 100k, 1M");
    const routeScale = await measureRouteScaling(ollama.url);
    const logOutcome = await measureLogOutcome(ollama);
    const squad = await measureSquad(step);
    step("validate_output: one `true` check, no model");
    const validate = await measureValidateOverhead();
    step("tools/list: its size");
    const toolList = await measureToolList();
    step("stdin: 9 MiB and 11 MiB messages");
    const bigMessage = await measureBigMessage();
    step("context economy: what the host reads of every digest fixture");
    const economy = measureContextEconomy();
    const loadAtEnd = round(loadavg()[0] ?? 0, 2);
    const totalMs = performance.now() - began;
    figures = {
      machine: { ...host, loadAtEnd },
      startup,
      route,
      routeScale,
      logOutcome,
      squad,
      validate,
      toolList,
      bigMessage,
      economy,
      totalMs,
    };
  } finally {
    await ollama.close();
    removeScratch();
  }
  const table = markdownTable([
    ...tableRows(figures),
    ...scaleRows(figures.routeScale),
    ...squadRows(figures.squad),
    ...validateRows(figures.validate),
    ...toolListRows(figures.toolList),
    ...bigMessageRows(figures.bigMessage),
    ...economyRows(figures.economy),
  ]);
  const digests = digestTable(figures.squad.digests);
  const economy = economyTable(figures.economy);
  process.stdout.write(`${table}\n\n${footer(figures)}\n\n${digests}\n\n${economy}\n`);
  writeResults(figures);
  return checkRowCounts(figures.logOutcome);
}

async function measureStartup(ollama: FakeOllama): Promise<StartupFigures> {
  step(`start-up: ${STARTS} spawns of dist/cli.js`);
  const samples = await timeStartup(STARTS, ollama.url);
  const cpu = samples.flatMap((sample) => (sample.cpuMs === null ? [] : [sample.cpuMs]));
  return {
    samples,
    wall: summarize(samples.map((sample) => sample.wallMs)),
    cpu: cpu.length ? summarize(cpu) : null,
  };
}

async function measureRouting(ollama: FakeOllama): Promise<RouteFigures> {
  step(`route_task: storing ${thousands(OUTCOMES)} outcomes`);
  const home = scratchDir("route-home");
  const seeded = await seedMemory(home, {
    outcomes: OUTCOMES,
    distinctTasks: DISTINCT_TASKS,
    withoutDecision: 0.1,
    seed: SEED,
  });
  progress(
    `stored ${thousands(seeded.outcomes)} outcomes, ${thousands(seeded.decisions)} decisions in ${ms(seeded.ms)}`,
  );
  // Half the queries restate a stored task in new words, half are tasks never seen before.
  const query = (): TaskText =>
    seeded.random() < 0.5
      ? seeded.texts.withNoise(pick(seeded.random, seeded.sentences))
      : seeded.texts.withNoise(seeded.texts.sentence());
  const warmup = Array.from({ length: WARMUP }, query);
  const timed = Array.from({ length: ROUTE_CALLS }, query);

  const emptyHome = scratchDir("route-empty");
  const control = timed.slice(0, CONTROL_CALLS);
  const empty = await routeOverStdio(emptyHome, ollama.url, warmup, control, "stdio, empty memory");
  const stdio = await routeOverStdio(home, ollama.url, warmup, timed, "stdio, 100k outcomes");

  const ctx = await openContext(home, ollama.url);
  try {
    const inMemory = await routeInMemory(ctx, warmup, timed.slice(0, IN_SERVER_CALLS));
    const breakdown = await routeBreakdown(ctx, warmup, timed.slice(0, DIAGNOSTIC_CALLS));
    const { outcomes, decisions, distinctTasks } = seeded;
    const seededFigures = { outcomes, decisions, distinctTasks, ms: round(seeded.ms) };
    return { seeded: seededFigures, stdio, empty, inMemory, breakdown };
  } finally {
    ctx.close();
  }
}

async function measureLogOutcome(ollama: FakeOllama): Promise<Figures["logOutcome"]> {
  step(`log_outcome: 1 server × ${LOG_CALLS}, then ${LOG_SERVERS} servers × ${LOG_CALLS_EACH}`);
  const single = await logOutcomeThroughput(1, LOG_CALLS, ollama.url);
  const shared = await logOutcomeThroughput(LOG_SERVERS, LOG_CALLS_EACH, ollama.url);
  return { single, shared };
}

function tableRows({ startup, route, logOutcome }: Figures): Row[] {
  const { breakdown } = route;
  const info = (measure: string, summary: Summary): Row => ({
    measure,
    figure: latency(summary),
    budget: "—",
    result: "",
  });
  const cpu = startup.cpu ? ` (server CPU by then: median ${ms(startup.cpu.p50)})` : "";
  return [
    {
      measure: `start-up to the \`initialize\` answer (${STARTS} spawns, fresh SQUAD_HOME each)`,
      figure: `median ${ms(startup.wall.p50)} · max ${ms(startup.wall.max)}${cpu}`,
      budget: `≤ ${BUDGET.startupMedianMs} ms median`,
      result: verdict(startup.wall.p50, BUDGET.startupMedianMs),
    },
    {
      measure: `\`route_task\`, round trip over stdio (${thousands(route.seeded.outcomes)} outcomes, ${thousands(ROUTE_CALLS)} calls)`,
      figure: latency(route.stdio.summary),
      budget: `≤ ${BUDGET.routeP99Ms} ms p99 in the server`,
      result: `${verdict(route.stdio.summary.p99, BUDGET.routeP99Ms)} (round trip: an upper bound)`,
    },
    info(
      `\`route_task\`, round trip over stdio, empty memory (control, ${thousands(CONTROL_CALLS)} calls)`,
      route.empty.summary,
    ),
    {
      measure: `\`route_task\` in the server: request in to answer out, SDK in-memory transport (${thousands(IN_SERVER_CALLS)} calls)`,
      figure: latency(route.inMemory.server),
      budget: `≤ ${BUDGET.routeP99Ms} ms p99`,
      result: verdict(route.inMemory.server.p99, BUDGET.routeP99Ms),
    },
    info(
      "… the same calls as the in-process SDK client saw them (adds its result parsing)",
      route.inMemory.summary,
    ),
    info(
      `\`routeTask()\` alone, no MCP, no JSON (${thousands(DIAGNOSTIC_CALLS)} calls, each part timed alone)`,
      breakdown.handler,
    ),
    info("  … part: availability snapshot (cached probe)", breakdown.availability),
    info("  … part: skills()", breakdown.skills),
    info("  … part: profiles for the category", breakdown.profiles),
    info(
      `  … part: similar past tasks (FTS5; the task's words match a median ${thousands(breakdown.ftsMatches.p50)} rows)`,
      breakdown.similar,
    ),
    info("  … part: decision insert", breakdown.saveDecision),
    throughputRow(logOutcome.single, "sequential calls"),
    throughputRow(logOutcome.shared, `${LOG_CALLS_EACH} each, concurrently, one SQUAD_HOME`),
  ];
}

function throughputRow(run: Throughput, how: string): Row {
  const exact = run.rows === run.calls;
  const servers = `${run.servers} server${run.servers > 1 ? "s" : ""}`;
  return {
    measure: `\`log_outcome\`, ${servers}, ${thousands(run.calls)} calls (${how})`,
    figure: `${thousands(run.callsPerSecond)} calls/s (${thousands(run.calls)} in ${ms(run.ms)}); ${thousands(run.rows)} rows`,
    budget: `exactly ${thousands(run.calls)} rows`,
    result: exact ? "rows ok" : "**WRONG row count**",
  };
}

function footer({ machine: host, route, totalMs }: Figures): string {
  const routes = Object.entries(route.stdio.routes)
    .sort((a, b) => b[1] - a[1])
    .map(([where, n]) => `${where} ${n}`)
    .join(", ");
  return (
    `Machine: ${host.cpu}, ${host.cores} cores, ${host.ramGiB} GiB RAM, Node ${host.node} (${host.platform}); ` +
    `load average ${host.loadAtStart} at the start, ${host.loadAtEnd} at the end. ` +
    `Routes taken in the 100k stdio run: ${routes}; ` +
    `${Math.round(route.stdio.withSimilar * 100)} % of calls recalled similar tasks. ` +
    `Bench took ${(totalMs / 1000).toFixed(0)} s.`
  );
}

function writeResults({
  machine: host,
  startup,
  route,
  routeScale,
  logOutcome,
  squad,
  validate,
  toolList,
  bigMessage,
  totalMs,
}: Figures): void {
  const results = {
    at: new Date().toISOString(),
    machine: host,
    budgets: { ...BUDGET, squad: SQUAD_BUDGET },
    startup: {
      runs: STARTS,
      samples: startup.samples.map((sample) => ({ ...sample, wallMs: round(sample.wallMs) })),
      wall: startup.wall,
      serverCpu: startup.cpu,
    },
    route: {
      seeded: route.seeded,
      warmup: WARMUP,
      calls: ROUTE_CALLS,
      stdioRoundTrip: route.stdio,
      emptyMemoryControl: { calls: CONTROL_CALLS, ...route.empty },
      inMemoryMcp: { calls: IN_SERVER_CALLS, ...route.inMemory },
      diagnosticCalls: DIAGNOSTIC_CALLS,
      inProcess: route.breakdown,
    },
    routeScale,
    logOutcome: { single: logOutcome.single, concurrent: logOutcome.shared },
    squad: squadResults(squad),
    validate,
    toolList: { ...toolList, budgetBytes: TOOL_LIST_BUDGET_BYTES },
    bigMessage: { ...bigMessage, budgetMs: BIG_MESSAGE_BUDGET_MS },
    totalMs: round(totalMs),
  };
  const file = join(PACKAGE_ROOT, "bench", "results.json");
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  progress(`wrote ${file}`);
}

function checkRowCounts({ single, shared }: Figures["logOutcome"]): number {
  if (single.rows === single.calls && shared.rows === shared.calls) return 0;
  process.stderr.write(
    `bench: wrong row count in outcomes: ${single.rows} for ${single.calls} calls (1 server), ` +
      `${shared.rows} for ${shared.calls} calls (${shared.servers} servers)\n`,
  );
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
