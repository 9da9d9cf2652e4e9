/**
 * The squad's budgets (DESIGN.md "Performance budgets"): trivial commands against xargs,
 * prompts over several models on a fake Ollama, digest sizes, and the server's memory while a
 * task floods its output. Everything goes through the built server over stdio except the
 * digests (the fixtures straight into digestOutput) and the diagnostic rows marked as such.
 */
import { join } from "node:path";
import type { ToolName } from "../src/squad/digest/index.js";
import { PACKAGE_ROOT } from "../test/support/server.js";
import { benchDigests, type DigestBenchRow } from "./digests.js";
import { markdownGrid, ms, type Row, thousands, verdict } from "./report.js";
import {
  type RealChecksRace,
  raceRealChecks,
  raceTrueCommands,
  type TrueRace,
} from "./squad-commands.js";
import { type LoudTaskMemory, measureLoudTask } from "./squad-memory.js";
import { type CommandOverheads, measureCommandOverheadsApart } from "./squad-overheads.js";
import { benchPromptBatch, type PromptBatch } from "./squad-prompts.js";
import type { Summary } from "./stats.js";

const COMMANDS = {
  tasks: 200,
  concurrency: 4,
  repetitions: 5,
  loopRounds: 3,
  realRepetitions: Number(process.env.BENCH_REAL_REPETITIONS ?? 5),
};
const PROMPTS = {
  prompts: 30,
  loadTimeMs: 200,
  // 4 tokens of 25 ms: 100 ms a generation, long next to a timer's jitter.
  tokensPerSecond: 40,
  replyChars: 16,
  squadRuns: 3,
};
const LOUD_BYTES = 200_000_000;
const TEST_RUNNERS = new Set<ToolName>([
  "pytest",
  "unittest",
  "vitest",
  "jest",
  "mocha",
  "node --test",
  "go test",
  "cargo test",
  "tap",
  "junit",
]);

export const SQUAD_BUDGET = {
  realChecksVsXargs: 1.05,
  realChecksSandboxedVsXargs: 1.1,
  overheadMsPerTask: 5,
  loopMaxMs: 20,
  deny1MBMs: 50,
  promptLoads: 3,
  makespanVsLowerBound: 1.1,
  /** Share of failing test ids a test runner's digest must keep. */
  testIdsKept: 1,
  peakRssMB: 150,
};

export interface SquadFigures {
  realChecks: RealChecksRace;
  commands: TrueRace;
  overheads: CommandOverheads;
  prompts: PromptBatch;
  digests: DigestBenchRow[];
  memory: LoudTaskMemory;
}

/** Runs the squad measurements; `step` announces each one. */
export async function measureSquad(step: (title: string) => void): Promise<SquadFigures> {
  const { tasks, concurrency, repetitions, loopRounds, realRepetitions } = COMMANDS;
  step("spawn_squad: a squad of real checks at concurrency 4 vs xargs -P4");
  const realChecks = await raceRealChecks(realRepetitions);
  step(`spawn_squad: ${tasks} × true at concurrency ${concurrency} vs xargs -P${concurrency}`);
  const commands = await raceTrueCommands(tasks, concurrency, repetitions);
  const overheads = await measureCommandOverheadsApart(tasks, concurrency, loopRounds);
  step(`spawn_squad: ${PROMPTS.prompts} prompts interleaved over 3 models on the fake Ollama`);
  const prompts = await benchPromptBatch(PROMPTS);
  step("digests of the fixtures in test/fixtures/digests");
  const digests = benchDigests(join(PACKAGE_ROOT, "test", "fixtures", "digests"));
  step(`server memory while a task prints ${thousands(LOUD_BYTES)} bytes`);
  const memory = await measureLoudTask(LOUD_BYTES);
  return { realChecks, commands, overheads, prompts, digests, memory };
}

export function squadRows(figures: SquadFigures): Row[] {
  return [
    ...commandRows(figures),
    ...promptRows(figures.prompts),
    ...digestRows(figures.digests),
    memoryRow(figures.memory),
  ];
}

function commandRows({ realChecks, commands, overheads }: SquadFigures): Row[] {
  const { tasks, concurrency } = commands;
  const real = (summary: { p50: number }, ratio: number, budget: number, label: string): Row => ({
    measure: `squad of real checks (type-check, fixture tests, Biome, grep) at concurrency 4, ${label}: \`spawn_squad\` vs \`xargs -P4\` (median of ${realChecks.squad.n})`,
    figure: `${ms(summary.p50)} vs ${ms(realChecks.xargs.p50)}: ×${ratio.toFixed(2)}`,
    budget: `≤ ${budget} × xargs`,
    result: verdict(ratio, budget),
  });
  const overhead = (perTask: number, wall: number, label: string): Row => ({
    measure: `server overhead per task, ${tasks} \`true\` at concurrency ${concurrency}, ${label}: (squad − \`xargs -P${concurrency} setsid sh -c 'true >log'\`) ÷ ${tasks} × ${concurrency}`,
    figure: `${ms(perTask)} (squad ${ms(wall)}, xargs ${ms(commands.xargs.p50)})`,
    budget: `≤ ${SQUAD_BUDGET.overheadMsPerTask} ms`,
    result: verdict(perTask, SQUAD_BUDGET.overheadMsPerTask),
  });
  const loop = (summary: Summary, label: string): Row => ({
    measure: `event loop's longest delay during those ${tasks} commands, ${label} (\`monitorEventLoopDelay\` max, in process, median of ${summary.n})`,
    figure: ms(summary.p50),
    budget: `≤ ${SQUAD_BUDGET.loopMaxMs} ms`,
    result: verdict(summary.p50, SQUAD_BUDGET.loopMaxMs),
  });
  return [
    real(realChecks.squadOff, realChecks.ratioOff, SQUAD_BUDGET.realChecksVsXargs, "sandbox off"),
    real(
      realChecks.squad,
      realChecks.ratio,
      SQUAD_BUDGET.realChecksSandboxedVsXargs,
      "sandboxed (bwrap)",
    ),
    overhead(commands.overheadOffMsPerTask, commands.squadOff.p50, "sandbox off"),
    overhead(commands.overheadMsPerTask, commands.squad.p50, "sandboxed"),
    loop(overheads.loopMaxOffMs, "sandbox off"),
    loop(overheads.loopMaxMs, "sandboxed"),
    {
      measure: "deny check of a 1 MB command of backticks (median of 5)",
      figure: ms(overheads.deny1MBMs.p50),
      budget: `≤ ${SQUAD_BUDGET.deny1MBMs} ms`,
      result: verdict(overheads.deny1MBMs.p50, SQUAD_BUDGET.deny1MBMs),
    },
  ];
}

function promptRows(prompts: PromptBatch): Row[] {
  const { settings, squad, lowerBound, firstComeFirstServed } = prompts;
  const loads = squad.map((run) => run.loads);
  const fake = `fake Ollama: 1 model loaded at a time, ${settings.loadTimeMs} ms a load, ${settings.tokensPerSecond} tokens/s`;
  return [
    {
      measure: `${settings.prompts} prompts interleaved over ${prompts.workers.length} models through \`spawn_squad\` (${fake}): loads`,
      figure: `${loads.join(", ")} (${squad.length} runs); first-come-first-served: ${firstComeFirstServed.loads}`,
      budget: `${SQUAD_BUDGET.promptLoads} loads`,
      result: loads.every((n) => n <= SQUAD_BUDGET.promptLoads) ? "pass" : "**over**",
    },
    {
      measure:
        "… makespan (the call's wall time) against the lower bound: the same requests grouped by model, straight to the fake",
      figure: `median ${ms(prompts.makespan.p50)} vs ${ms(lowerBound.wallMs)}: ×${prompts.ratio.toFixed(2)} (nominal bound ${ms(prompts.nominalLowerBoundMs)}: ×${prompts.nominalRatio.toFixed(2)})`,
      budget: `≤ ${SQUAD_BUDGET.makespanVsLowerBound} × lower bound`,
      result: verdict(prompts.ratio, SQUAD_BUDGET.makespanVsLowerBound),
    },
    {
      measure:
        "… control: first-come-first-served, one at a time in submission order, straight to the fake",
      figure: `${ms(firstComeFirstServed.wallMs)}, ${firstComeFirstServed.loads} loads (×${(firstComeFirstServed.wallMs / prompts.makespan.p50).toFixed(2)} the squad's makespan)`,
      budget: "—",
      result: "",
    },
  ];
}

function isTestRunner(row: DigestBenchRow): boolean {
  return row.tool !== null && TEST_RUNNERS.has(row.tool);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

/** Ids kept; the size of what the host reads has its budget in bench/context-economy.ts. */
function digestRows(rows: DigestBenchRow[]): Row[] {
  const runners = rows.filter(isTestRunner);
  const failing = runners.reduce((sum, row) => sum + row.failingIds, 0);
  const kept = runners.reduce((sum, row) => sum + row.keptIds, 0);
  return [
    {
      measure: `failing test ids kept in the digests of test runners (${runners.length} fixtures)`,
      figure: `${kept} of ${failing}`,
      budget: "100 %",
      result:
        kept >= failing * SQUAD_BUDGET.testIdsKept ? "pass" : `**over** (${failing - kept} lost)`,
    },
  ];
}

function memoryRow(memory: LoudTaskMemory): Row {
  return {
    measure: `server peak RSS while a task prints ${thousands(memory.logBytes / 1e6)} MB (\`${memory.command}\`)`,
    figure: `VmHWM ${mb(memory.hwmMB)} (${mb(memory.before.rssMB)} before the call; VmRSS every ${memory.sampled.sampleEveryMs} ms peaked at ${mb(memory.sampled.peakRssMB)}); call ${ms(memory.wallMs)}, answer ${thousands(memory.answerBytes)} bytes`,
    budget: `≤ ${SQUAD_BUDGET.peakRssMB} MB`,
    result: verdict(memory.hwmMB, SQUAD_BUDGET.peakRssMB),
  };
}

function mb(value: number): string {
  return `${value.toFixed(1)} MB`;
}

/** Every fixture: what the digest keeps of it. */
export function digestTable(rows: DigestBenchRow[]): string {
  const grid = rows.map((row) => {
    const checks: string[] = [];
    if (isTestRunner(row) && row.failingIds > 0) {
      checks.push(row.keptIds === row.failingIds ? "ids pass" : "**ids lost**");
    }
    return [
      `\`${row.fixture}\``,
      row.tool ?? "(unknown)",
      thousands(row.rawBytes),
      thousands(row.returnedBytes),
      row.rawBytes === 0 ? "—" : percent(row.ratio),
      String(row.failingIds),
      String(row.keptIds),
      checks.join(", ") || "—",
    ];
  });
  const table = markdownGrid(
    [
      "Fixture",
      "Tool",
      "Raw bytes",
      "Returned bytes",
      "Returned ÷ raw",
      "Failing ids",
      "Kept",
      "Result",
    ],
    grid,
  );
  return (
    `${table}\n\n` +
    "Failing ids are test ids for test runners, files with problems for type checkers and linters. " +
    "A digest names at most 30 problems, so checkers with more keep fewer files by design; " +
    "the 100 % budget holds for test runners. The size budget is the context economy table's."
  );
}

/** Raw figures for bench/results.json. */
export function squadResults(figures: SquadFigures) {
  return {
    realChecks: figures.realChecks,
    commands: { ...figures.commands, inProcess: figures.overheads },
    prompts: figures.prompts,
    digests: figures.digests,
    memory: figures.memory,
  };
}
