import { z } from "zod";
import { defineTool } from "./define-tool.js";

const input = z.strictObject({
  spec_id: z.string().min(1).max(20).describe("Spec whose latest implementation to apply."),
});

const output = z.object({
  spec_id: z.string().describe("The spec whose patch it was."),
  applied: z.boolean().describe("The patch is in the working tree, staged, not committed."),
  verdict: z.enum(["pass", "fail"]).describe("The implement_spec verdict the patch had."),
  files: z.array(z.string()).optional().describe("The files it changed."),
  conflicts: z
    .array(z.string())
    .optional()
    .describe("Files it would conflict in; nothing changed."),
});

export const applySpecTool = defineTool({
  name: "apply_spec",
  title: "Apply an implemented spec",
  description:
    "Apply a spec's latest implement_spec patch to your working tree (git apply --3way: " +
    "staged, not committed). Refused, naming conflicting files, unless it applies cleanly.",
  input,
  output,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false,
  },
  async handler(args, ctx, extra) {
    const { applySpec } = await import("../handoff/apply-spec.js");
    const result = await applySpec(ctx, args.spec_id, extra.signal);
    if (!result.applied) {
      const { message, ...structured } = result;
      const named = result.conflicts.length
        ? `conflicts in ${result.conflicts.join(", ")}`
        : "it does not apply";
      return {
        structured,
        text: `${result.spec_id} not applied: ${named}. Nothing was changed.\n${message}`.slice(
          0,
          2_000,
        ),
        isError: true,
      };
    }
    const warning =
      result.verdict === "fail" ? " Its verification FAILED: review before you keep it." : "";
    const { addedChars, ...structured } = result;
    return {
      structured,
      writtenChars: addedChars,
      text: `${result.spec_id} applied to the working tree, staged, not committed: ${result.files.join(", ")}.${warning}`,
    };
  },
});
