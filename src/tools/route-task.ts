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
  decision_id: z.string(),
  kind: z.enum(["command", "model", "host"]),
  route: z.enum(["host", "squad"]),
  worker: z.string().nullable(),
  provider: z.enum([...PROVIDERS, "host", "shell"]),
  commands: z.array(z.string()).optional(),
  model: z.string().nullable(),
  category: z.enum(CATEGORIES),
  complexity: z.number(),
  complexity_factors: z.array(z.string()),
  needs_skill: z.boolean(),
  skills: z.array(z.string()),
  possible_skills: z.array(z.string()).optional(),
  confidence: z.number(),
  rationale: z.string(),
  fallbacks: z.array(z.string()),
  evidence: z.object({ n: z.number(), successes: z.number(), expected: z.number() }).nullable(),
  loaded: z.boolean(),
  similar: z.array(
    z.object({
      decision_id: z.string().nullable(),
      task: z.string().nullable(),
      worker: z.string(),
      category: z.string(),
      success: z.boolean(),
      notes: z.string().nullable(),
      at: z.string(),
    }),
  ),
});

export const routeTaskTool = defineTool({
  name: "route_task",
  title: "Route a task",
  description:
    "What a task is and who does it. command: a shell command (literal, or the project's own " +
    "test/lint/format/type-check command in commands) for spawn_squad, no model. model: the " +
    "cheapest worker whose record clears the bar. host: you. Pass decision_id to log_outcome.",
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
  return {
    decision_id: decisionId,
    kind: decision.kind,
    route: decision.route,
    worker: decision.worker,
    provider: decision.provider,
    ...(decision.commands.length ? { commands: decision.commands } : {}),
    model: decision.model,
    category: decision.category,
    complexity: decision.complexity.score,
    complexity_factors: decision.complexity.factors,
    needs_skill: decision.needsSkill,
    skills: decision.skills.map((skill) => skill.name),
    ...(decision.possibleSkills.length ? { possible_skills: decision.possibleSkills } : {}),
    confidence: decision.confidence,
    rationale: decision.rationale,
    fallbacks: decision.fallbacks,
    evidence: decision.evidence,
    loaded: decision.loaded,
    similar: similar.map((past) => ({
      decision_id: past.decisionId,
      task: past.task === null ? null : oneLine(past.task, 200),
      worker: past.worker,
      category: past.category,
      success: past.success,
      notes: past.notes === null ? null : oneLine(past.notes, 300),
      at: new Date(past.at).toISOString(),
    })),
  };
}

function render({ decisionId, decision, similar }: RoutedTask): string {
  const where =
    decision.kind === "host"
      ? "host: do this yourself"
      : decision.kind === "command"
        ? `command: spawn_squad runs it${decision.commands.length ? `: ${decision.commands.join(" && ")}` : ""}`
        : `model: ${decision.worker} (${decision.provider} ${decision.model}${decision.loaded ? ", loaded" : ""})`;
  const lines = [
    `${where} · ${decision.category} · complexity ${decision.complexity.score}`,
    `why: ${oneLine(decision.rationale, 400)}`,
  ];
  if (decision.possibleSkills.length) {
    lines.push(
      `check whether ${decision.possibleSkills.join(", ")} applies before delegating (close to your skill, below the relevance threshold)`,
    );
  }
  if (decision.fallbacks.length) lines.push(`fallbacks: ${decision.fallbacks.join(", ")}`);
  for (const past of similar) {
    const what = oneLine(past.task ?? past.notes ?? "", 80);
    const notes = past.notes && past.task ? ` — ${oneLine(past.notes, 100)}` : "";
    lines.push(`last time: ${past.success ? "✓" : "✗"} ${past.worker} on "${what}"${notes}`);
  }
  lines.push(`decision ${decisionId}: pass it to log_outcome when the work is judged`);
  return lines.join("\n");
}
