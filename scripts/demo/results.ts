import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { z } from "zod";
import { callOk } from "../../test/support/server.js";

/** The parts of route_task's structured result the demo shows; a field with nothing to say is absent. */
const routeSchema = z.object({
  decision_id: z.string(),
  kind: z.enum(["command", "model", "host"]),
  route: z.enum(["host", "squad"]),
  worker: z.string().optional(),
  category: z.string(),
  complexity: z.number(),
  skills: z.array(z.string()).optional(),
  confidence: z.number(),
  rationale: z.string(),
  fallbacks: z.array(z.string()).optional(),
  similar: z
    .array(
      z.object({
        worker: z.string(),
        success: z.boolean(),
        task: z.string().optional(),
        notes: z.string().optional(),
      }),
    )
    .optional(),
});
export type Route = z.infer<typeof routeSchema>;

export async function routeTask(client: Client, task: string): Promise<Route> {
  return routeSchema.parse(await callOk(client, "route_task", { task }));
}

/**
 * The chosen worker's record on the task's category, as the rationale states it ("qwen-coder
 * 2/2 on docs, 0.92 expected"): successes, tries and expected success; null without one.
 */
export function workerRecord(
  route: Route,
): { successes: number; n: number; expected: number } | null {
  if (!route.worker) return null;
  const escaped = route.worker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = new RegExp(`${escaped} (\\d+)/(\\d+) on \\S+, ([\\d.]+) expected`).exec(
    route.rationale,
  );
  if (!found) return null;
  return { successes: Number(found[1]), n: Number(found[2]), expected: Number(found[3]) };
}
