import { relative } from "node:path";
import { z } from "zod";
import { UserInputError } from "../errors.js";
import type { ImplementResult } from "../handoff/implement.js";
import { clip, oneLine } from "../text/clip.js";
import { cutToJsonChars } from "../text/cut.js";
import { defineTool, type ToolExtra } from "./define-tool.js";
import { progressSender } from "./progress.js";
import { sandboxField, sandboxNote } from "./sandbox-note.js";

const alias = z.string().min(1).max(100);

const input = z.strictObject({
  spec_id: z.string().min(1).max(20).optional().describe("From write_code_spec."),
  spec_ids: z
    .array(z.string().min(1).max(20))
    .max(20)
    .optional()
    .describe("Division: several specs at once, coders dealt out in turn."),
  coder: alias.optional().describe("Alias (default: the coder role)."),
  coders: z
    .array(alias)
    .max(8)
    .optional()
    .describe("Competitive: all try one spec, the best is kept."),
  max_attempts: z.number().int().min(1).max(5).optional().describe("Per coder (default 2)."),
  timeout_s: z.number().positive().max(86_400).optional().describe("Verification timeout."),
});

const specResult = z.object({
  spec_id: z.string().describe("The spec implemented."),
  verdict: z.enum(["pass", "fail"]).describe("pass: the spec's verification exited 0."),
  attempts: z.number().describe("Attempts the kept coder made."),
  worker: z.string().describe("The coder whose change is kept."),
  files_changed: z
    .array(z.string())
    .optional()
    .describe("'path +added −removed', (new) or (deleted) when so; the report lists all."),
  verification: z
    .object({
      exit_code: z.number().optional().describe("Absent: 0, or it never exited."),
      digest: z.string().optional().describe("What the verification printed, digested."),
    })
    .describe("The spec's verification command, run on the coder's change."),
  blockers: z.array(z.string()).optional().describe("What the coder says stopped it."),
  deviations: z
    .array(z.string())
    .optional()
    .describe("Where the change departs from the spec, and files not written."),
  patch: z.string().optional().describe("The saved patch, relative to the project."),
  coder_reached: z
    .literal(false)
    .optional()
    .describe("Set when no coder answered: nothing was recorded against one."),
  report: z.string().describe("The Code Report (squad://specs/CS-NNN/report)."),
  candidates: z
    .array(
      z.object({
        worker: z.string().describe("The coder."),
        verdict: z.enum(["pass", "fail"]).describe("Whether its change verified."),
        attempts: z.number().describe("Attempts it made."),
        files_changed: z.number().describe("How many files its change touched."),
        blockers: z.array(z.string()).optional().describe("What it says stopped it."),
        deviations: z.array(z.string()).optional().describe("Where it departed from the spec."),
      }),
    )
    .optional()
    .describe("Competing: the other coders' attempts, best first (the kept one is the result)."),
});
type SpecResult = z.infer<typeof specResult>;

/** One spec: its result's fields. Division: the overall verdict and a result per spec. */
const output = specResult.partial().extend({
  verdict: z.enum(["pass", "fail"]).describe("Division: pass when every spec passed."),
  results: z.array(specResult).optional().describe("Division: one result per spec."),
  sandbox: sandboxField,
});

const TEXT_CHARS = 2_000;

export const implementSpecTool = defineTool({
  name: "implement_spec",
  title: "Have a coder implement a spec",
  description:
    "A coder model implements a Code Spec in a throwaway git worktree; the spec's verification " +
    "runs there, failures go back to the coder. Returns verdict, files changed and report; " +
    "your working tree is untouched until apply_spec.",
  input,
  output,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(args, ctx, extra) {
    const coders = codersOf(args);
    const maxAttempts = args.max_attempts ?? 2;
    const timeoutMs = args.timeout_s === undefined ? undefined : args.timeout_s * 1000;
    // The most attempts there can be: division gives each spec one coder; competing coders
    // each try the one spec.
    const jobs = args.spec_ids?.length ?? Math.max(1, coders.length);
    const onProgress = progressOf(extra, jobs * maxAttempts);
    if (args.spec_ids !== undefined) {
      if (args.spec_id !== undefined) {
        throw new UserInputError("spec_id", "give spec_id or spec_ids, not both");
      }
      if (args.coders !== undefined && args.coders.length > args.spec_ids.length) {
        throw new UserInputError(
          "coders",
          `${args.coders.length} coders for ${args.spec_ids.length} specs: division gives each spec one coder`,
        );
      }
      const { implementSpecs } = await import("../handoff/implement-many.js");
      const division = await implementSpecs(
        ctx,
        { specIds: args.spec_ids, coders, maxAttempts, timeoutMs },
        extra.signal,
        onProgress,
      );
      const share = Math.floor(TEXT_CHARS / division.results.length);
      const note = await sandboxNote(ctx);
      const results = division.results.map((result) =>
        compactResult(ctx.projectRoot, result, share),
      );
      return {
        structured: { verdict: division.verdict, results, ...note.field },
        text:
          clip(results.map((result) => renderResult(result, share)).join("\n\n"), TEXT_CHARS) +
          note.line,
      };
    }
    if (args.spec_id === undefined) {
      throw new UserInputError("spec_id", "is missing; give the id write_code_spec returned");
    }
    const { implementSpec } = await import("../handoff/implement.js");
    const result = await implementSpec(
      ctx,
      { specId: args.spec_id, coders, maxAttempts, timeoutMs },
      extra.signal,
      onProgress,
    );
    const note = await sandboxNote(ctx);
    const compacted = compactResult(ctx.projectRoot, result, TEXT_CHARS);
    return {
      structured: { ...compacted, ...note.field },
      text: clip(renderResult(compacted, TEXT_CHARS), TEXT_CHARS) + note.line,
    };
  },
});

function codersOf(args: { coder?: string | undefined; coders?: string[] | undefined }): string[] {
  if (args.coder !== undefined && args.coders !== undefined) {
    throw new UserInputError("coders", "give coder or coders, not both");
  }
  if (args.coders !== undefined && args.coders.length === 0) {
    throw new UserInputError("coders", "is empty; name at least one alias or leave it out");
  }
  return args.coders ?? (args.coder !== undefined ? [args.coder] : []);
}

/** Progress counts attempts against the most there can be; Claude Code resets its timeout on each. */
function progressOf(extra: ToolExtra, most: number): (message: string) => void {
  const send = progressSender(extra);
  let done = 0;
  return (message) => {
    done += 1;
    send?.({ progress: Math.min(done, most), total: most, message });
  };
}

function renderResult(result: SpecResult, maxChars: number): string {
  const files = result.files_changed?.join(", ") ?? "";
  const lines = [
    `${result.spec_id} ${result.verdict} · ${result.worker} · ${result.attempts} attempt${result.attempts === 1 ? "" : "s"} · ${files || "no files changed"}`,
  ];
  if (result.candidates) {
    lines.push(
      `also tried: ${result.candidates.map((c) => `${c.worker} ${c.verdict}`).join(", ")}`,
    );
  }
  if (result.blockers?.length) lines.push(`blockers: ${result.blockers.join(" | ")}`);
  if (result.deviations?.length) lines.push(`deviations: ${result.deviations.join(" | ")}`);
  if (result.coder_reached === false) {
    lines.push(
      `no coder was reached, so nothing was recorded against ${result.worker} and there is no patch; fix the backend (squad-mcp doctor) and run implement_spec again`,
    );
  } else {
    const patch = result.patch ? ` (patch ${result.patch})` : "";
    lines.push(
      result.verdict === "pass"
        ? `review ${result.report}${patch}, then apply_spec ${result.spec_id}`
        : `report ${result.report}${patch}; revise the spec (write_code_spec) or implement_spec again`,
    );
  }
  const head = lines.join("\n");
  const room = Math.max(0, maxChars - head.length - 40);
  const exit = result.verification.exit_code ?? (result.coder_reached === false ? "none" : 0);
  const digest = result.verification.digest;
  const shown = room > 0 && digest ? `: ${oneLine(digest, room)}` : "";
  return `${head}\nverification exit ${exit}${shown}`;
}

/** The result as the host reads it: files as one line each, the patch relative, the digest cut. */
function compactResult(projectRoot: string, result: ImplementResult, maxChars: number): SpecResult {
  const exit = result.verification.exit_code;
  return {
    spec_id: result.spec_id,
    verdict: result.verdict,
    attempts: result.attempts,
    worker: result.worker,
    files_changed: result.files_changed.map(fileLine),
    verification: {
      ...(exit !== null && exit !== 0 ? { exit_code: exit } : {}),
      digest: cutToJsonChars(result.verification.digest, Math.max(0, maxChars - 400)),
    },
    blockers: result.blockers,
    deviations: result.deviations,
    ...(result.patch ? { patch: relative(projectRoot, result.patch) } : {}),
    ...(result.coder_reached === false ? { coder_reached: false as const } : {}),
    report: result.report,
    ...(result.candidates
      ? {
          // The kept coder is the result itself: the others, best first.
          candidates: result.candidates.slice(1).map((candidate) => ({
            worker: candidate.worker,
            verdict: candidate.verdict,
            attempts: candidate.attempts,
            files_changed: candidate.files_changed,
            blockers: candidate.blockers,
            deviations: candidate.deviations,
          })),
        }
      : {}),
  };
}

function fileLine(file: ImplementResult["files_changed"][number]): string {
  const what = file.action === "NEW" ? " (new)" : file.action === "DELETE" ? " (deleted)" : "";
  return `${file.path}${what} +${file.added} −${file.removed}`;
}
