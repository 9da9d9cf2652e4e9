import { z } from "zod";
import { TASK_STATUSES } from "../memory/runs.js";

/** The run shape spawn_squad and squad_status both return. */
export const runOutput = z.object({
  run_id: z.string(),
  status: z.enum(["running", "done", "cancelled", "interrupted"]),
  done: z.number(),
  total: z.number(),
  counts: z.partialRecord(z.enum(TASK_STATUSES), z.number()),
  duration_ms: z.number(),
  host_tokens_saved: z.number(),
  tasks: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(["command", "prompt"]),
      status: z.enum(TASK_STATUSES),
      exit_code: z.number().nullable(),
      signal: z.string().nullable(),
      duration_ms: z.number().nullable(),
      worker: z.string().nullable(),
      digest: z.string().nullable(),
      log: z.string().nullable(),
      decision_id: z.string().nullable(),
    }),
  ),
});
