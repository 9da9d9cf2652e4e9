/**
 * The bench drives the compiled server in dist/, as users run it, so it loads dist modules at
 * run time rather than the copies of src/ that build/ also gets. These are the
 * parts of their surface the bench uses; dist-api.test.ts checks them against src/ at
 * `tsc -p tsconfig.test.json` time so they cannot drift unnoticed.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { DecisionRecord } from "../src/memory/decisions.js";
import type { OutcomeInput } from "../src/memory/outcomes.js";
import type { StoredRun, StoredTask, TaskUpdate } from "../src/memory/runs.js";
import type { Db } from "../src/memory/sqlite.js";
import type { RoutingDeps } from "../src/routing/route-task.js";
import type { Digest, DigestInput, DigestOptions } from "../src/squad/digest/index.js";
import { PACKAGE_ROOT } from "../test/support/server.js";

export type BenchDecision = DecisionRecord;
export type BenchOutcome = OutcomeInput;
export type BenchRunStart = Omit<StoredRun, "status" | "finishedAt">;
export type BenchRunTask = Pick<StoredTask, "taskId" | "position" | "kind" | "label" | "worker">;
export type BenchTaskUpdate = TaskUpdate;

// Arguments the bench passes in are typed as function properties, so the drift check compares
// them strictly (contravariantly) with what src/ accepts.
export interface BenchStore {
  readonly db: Db;
  readonly decisions: { save: (decision: BenchDecision) => void };
  readonly outcomes: {
    log: (input: BenchOutcome) => { outcomeId: number };
    profilesFor: (category: string) => Map<string, unknown>;
    count: () => number;
  };
  readonly similar: { find: (text: string, limit?: number) => unknown[]; tidyStep(): boolean };
  readonly runs: {
    start: (run: BenchRunStart, tasks: BenchRunTask[]) => void;
    updateTask: (runId: string, taskId: string, update: BenchTaskUpdate) => void;
    flush: () => void;
  };
  close(): void;
}

export interface StoreModule {
  openStore(file: string): BenchStore;
}

export interface SimilarModule {
  distinctiveWords: (text: string, max?: number) => string[];
  ftsQuery: (words: readonly string[], join: "AND" | "OR") => string;
}

export interface BenchContext extends RoutingDeps {
  store: BenchStore & RoutingDeps["store"];
  models(): Promise<unknown>;
  close(): void;
}

export interface ContextModule {
  createContext(options: { cwd: string; env: NodeJS.ProcessEnv }): BenchContext;
}

export interface BenchRouteRequest {
  task: string;
  context: { files?: number; paths?: string[]; requiresTests?: boolean };
  exclude: readonly string[];
}

// A BenchContext is only ever one that createContext built, i.e. a whole AppContext; method
// syntax keeps the parameter check bivariant so that narrowed view is accepted.
export interface RouteTaskModule {
  routeTask(ctx: BenchContext, request: BenchRouteRequest): Promise<{ decisionId: string }>;
}

export interface ServerModule {
  createServer(ctx: BenchContext): {
    connect(transport: Transport): Promise<void>;
    close(): Promise<void>;
  };
}

export interface SquadModule {
  startSquad(
    ctx: BenchContext,
    models: unknown,
    request: { tasks: { command: string }[]; concurrency: number; failFast: boolean },
  ): Promise<{ finished: Promise<void> }>;
}

export interface DenyModule {
  deniedBy(line: string, deny: readonly { rule: string; pattern: string }[]): unknown;
}

export interface ConfigModule {
  DEFAULT_DENY: { rule: string; pattern: string }[];
}

export interface DigestModule {
  digestLogFile: (
    path: string,
    input: Omit<DigestInput, "output">,
    options: DigestOptions,
  ) => Promise<Digest>;
}

/** Loads `dist/<path>` from the package root; the caller states which surface it expects. */
export async function loadDist<Module>(path: string): Promise<Module> {
  return (await import(pathToFileURL(join(PACKAGE_ROOT, "dist", path)).href)) as Module;
}
