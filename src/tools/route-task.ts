import { z } from "zod";
import { CATEGORIES, PROVIDERS } from "../config.js";
import type { RoutedTask } from "../routing/route-task.js";
import { routeTask } from "../routing/route-task.js";
import { oneLine } from "../text/clip.js";
import { defineTool } from "./define-tool.js";

const input = z.strictObject({
  task: z
    .string()
    .min(1)
    .max(20_000)
    .describe("A sentence, or the literal command (e.g. 'pytest backend/tests')."),
  context: z
    .strictObject({
      files: z
        .number()
        .int()
        .min(0)
        .max(100_000)
        .optional()
        .describe("How many files the task touches."),
      paths: z
        .array(z.string().min(1).max(1_000))
        .max(1_000)
        .optional()
        .describe("Paths involved, relative to the project."),
      requires_tests: z.boolean().optional().describe("True if the result must come with tests."),
    })
    .optional()
    .describe("What the task involves; raises or lowers complexity."),
  prefer: z
    .enum(["local", "cloud", "cheapest", "fastest"])
    .optional()
    .describe("Default cheapest: lowest cost clearing the quality bar."),
  exclude: z
    .array(z.string().min(1).max(100))
    .max(50)
    .optional()
    .describe("Worker aliases not to use this time."),
});

const output = z.object({
  decision_id: z.string().describe("Give it to log_outcome (or validate_output) when judged."),
  kind: z
    .enum(["command", "model", "host"])
    .describe("command: spawn_squad runs it, no model; model: a worker; host: you."),
  route: z.enum(["host", "squad"]).describe("Who runs it: you, or the squad."),
  worker: z.string().optional().describe("The alias, for a model answer."),
  provider: z.enum(PROVIDERS).optional().describe("The worker's backend."),
  model: z.string().optional().describe("The model the alias runs."),
  loaded: z.literal(true).optional().describe("The model is loaded now: no load wait."),
  commands: z.array(z.string()).optional().describe("The project's own command(s) it proposes."),
  category: z.enum(CATEGORIES).describe("The kind of work, which track records are kept by."),
  complexity: z.number().describe("0–10; at the host threshold (7) or above, the host does it."),
  skills: z.array(z.string()).optional().describe("Your skills the task needs: keep it."),
  possible_skills: z.array(z.string()).optional().describe("Check whether these apply first."),
  confidence: z.number().describe("0–1: how sure the choice is."),
  rationale: z.string().describe("Why; for a worker, its record on this category."),
  fallbacks: z.array(z.string()).optional().describe("The next workers, in order."),
  similar: z
    .array(
      z.object({
        worker: z.string().describe("Who did it."),
        success: z.boolean().describe("Whether it held up."),
        task: z.string().optional().describe("The task, clipped."),
        notes: z.string().optional().describe("What was noted about it, clipped."),
      }),
    )
    .optional()
    .describe("Past tasks like this one and how they went."),
});

export const routeTaskTool = defineTool({
  name: "route_task",
  title: "Route a task",
  description:
    "What a task is and who does it. command: a shell command (literal, or the project's own " +
    "test/lint/type-check command it proposes) for spawn_squad, no model. model: the cheapest " +
    "worker whose record clears the bar. host: you. Pass decision_id to log_outcome.",
  input,
  output,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },
  async handler(args, ctx) {
    const routed = await routeTask(ctx, {
      task: args.task,
      context: {
        files: args.context?.files,
        paths: args.context?.paths,
        requiresTests: args.context?.requires_tests,
      },
      prefer: args.prefer,
      exclude: args.exclude ?? [],
    });
    return { structured: toStructured(routed), text: render(routed) };
  },
});

function toStructured({ decisionId, decision, similar }: RoutedTask): z.input<typeof output> {
  const model = decision.kind === "model";
  return {
    decision_id: decisionId,
    kind: decision.kind,
    route: decision.route,
    ...(model && decision.worker
      ? {
          worker: decision.worker,
          provider: decision.provider as (typeof PROVIDERS)[number],
          model: decision.model ?? undefined,
          ...(decision.loaded ? { loaded: true as const } : {}),
        }
      : {}),
    commands: decision.commands,
    category: decision.category,
    complexity: decision.complexity.score,
    skills: decision.skills.map((skill) => skill.name),
    possible_skills: decision.possibleSkills,
    confidence: decision.confidence,
    rationale: oneLine(decision.rationale, RATIONALE_CHARS),
    fallbacks: decision.fallbacks,
    similar: similar.map((past) => ({
      worker: past.worker,
      success: past.success,
      task: past.task === null ? undefined : oneLine(past.task, PAST_TASK_CHARS),
      notes: past.notes === null ? undefined : oneLine(past.notes, PAST_NOTES_CHARS),
    })),
  };
}

const RATIONALE_CHARS = 400;
const PAST_TASK_CHARS = 80;
const PAST_NOTES_CHARS = 100;

function render({ decisionId, decision, similar }: RoutedTask): string {
  const where =
    decision.kind === "host"
      ? "host: do this yourself"
      : decision.kind === "command"
        ? `command: spawn_squad runs it${decision.commands.length ? `: ${decision.commands.join(" && ")}` : ""}`
        : `model: ${decision.worker} (${decision.provider} ${decision.model}${decision.loaded ? ", loaded" : ""})`;
  const lines = [
    `${where} · ${decision.category} · complexity ${decision.complexity.score} · confidence ${decision.confidence}`,
    `why: ${oneLine(decision.rationale, RATIONALE_CHARS)}`,
  ];
  if (decision.possibleSkills.length) {
    lines.push(
      `check whether ${decision.possibleSkills.join(", ")} applies before delegating (close to your skill, below the relevance threshold)`,
    );
  }
  if (decision.fallbacks.length) lines.push(`fallbacks: ${decision.fallbacks.join(", ")}`);
  for (const past of similar) {
    const what = oneLine(past.task ?? past.notes ?? "", PAST_TASK_CHARS);
    const notes = past.notes && past.task ? ` — ${oneLine(past.notes, PAST_NOTES_CHARS)}` : "";
    lines.push(`last time: ${past.success ? "✓" : "✗"} ${past.worker} on "${what}"${notes}`);
  }
  lines.push(`decision ${decisionId}: pass it to log_outcome when the work is judged`);
  return lines.join("\n");
}
