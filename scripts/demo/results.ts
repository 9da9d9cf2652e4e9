import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { z } from "zod";
import { callOk } from "../../test/support/server.js";

/** The parts of route_task's structured result the demo shows. */
const routeSchema = z.object({
  decision_id: z.string(),
  kind: z.enum(["command", "model", "host"]),
  route: z.enum(["host", "squad"]),
  worker: z.string().nullable(),
  category: z.string(),
  complexity: z.number(),
  skills: z.array(z.string()),
  rationale: z.string(),
  fallbacks: z.array(z.string()),
  evidence: z.object({ n: z.number(), successes: z.number(), expected: z.number() }).nullable(),
  similar: z.array(
    z.object({
      worker: z.string(),
      success: z.boolean(),
      task: z.string().nullable(),
      notes: z.string().nullable(),
    }),
  ),
});
export type Route = z.infer<typeof routeSchema>;

export async function routeTask(client: Client, task: string): Promise<Route> {
  return routeSchema.parse(await callOk(client, "route_task", { task }));
}
