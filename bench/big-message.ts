/**
 * Messages near and over the stdio limit (10 MiB per JSON-RPC message): a 9 MiB tools/call must
 * be read and answered in well under a second, an 11 MiB one refused with an error, and the
 * next call answered.
 */
import type { Row } from "./report.js";
import { ms, verdict } from "./report.js";
import { startSquadServer } from "./squad-server.js";

export const BIG_MESSAGE_BUDGET_MS = 1_000;
const MEBIBYTE = 1_048_576;

export interface BigMessageFigures {
  /** From sending a 9 MiB tools/call to its answer. */
  nineMiBMs: number;
  /** From sending an 11 MiB tools/call to its JSON-RPC error. */
  elevenMiBMs: number;
  /** The refusal's message. */
  refusal: string;
  /** A small call right after, answered. */
  nextMs: number;
}

export async function measureBigMessage(): Promise<BigMessageFigures> {
  const server = await startSquadServer();
  const timed = async (call: () => Promise<unknown>) => {
    const started = performance.now();
    const outcome = await call().then(
      () => "answered",
      (error: Error) => error.message,
    );
    return { ms: performance.now() - started, outcome };
  };
  try {
    const routeTask = (bytes: number) => () =>
      server.client.callTool({ name: "route_task", arguments: { task: "x".repeat(bytes) } });
    const nine = await timed(routeTask(9 * MEBIBYTE));
    const eleven = await timed(routeTask(11 * MEBIBYTE));
    const next = await timed(() =>
      server.client.callTool({ name: "route_task", arguments: { task: "git status" } }),
    );
    if (next.outcome !== "answered") throw new Error(`the call after 11 MiB: ${next.outcome}`);
    return {
      nineMiBMs: nine.ms,
      elevenMiBMs: eleven.ms,
      refusal: eleven.outcome,
      nextMs: next.ms,
    };
  } finally {
    await server.close();
  }
}

export function bigMessageRows(figures: BigMessageFigures): Row[] {
  return [
    {
      measure:
        "stdin: a 9 MiB `tools/call` read and answered; an 11 MiB one refused, the next call answered",
      figure: `9 MiB: ${ms(figures.nineMiBMs)}; 11 MiB: ${ms(figures.elevenMiBMs)} (JSON-RPC error); next: ${ms(figures.nextMs)}`,
      budget: `≤ ${ms(BIG_MESSAGE_BUDGET_MS)} each, session goes on`,
      result: verdict(Math.max(figures.nineMiBMs, figures.elevenMiBMs), BIG_MESSAGE_BUDGET_MS),
    },
  ];
}
