import { readFile } from "node:fs/promises";
import type { AppContext } from "../context.js";
import { UserInputError } from "../errors.js";
import { isSpecId } from "../memory/specs.js";
import { capList } from "../text/cap-list.js";
import { applyPatch } from "./apply.js";
import type { Verdict } from "./report.js";
import { codeSpecs } from "./spec-records.js";

export type ApplySpecResult =
  | {
      spec_id: string;
      applied: true;
      verdict: Verdict;
      files: string[];
      /** Characters of the lines the patch adds: code the host did not write. */
      addedChars: number;
    }
  | { spec_id: string; applied: false; verdict: Verdict; conflicts: string[]; message: string };

/**
 * Applies the patch of a spec's latest Code Report to the user's working tree (git apply
 * --3way, never a commit). A patch that does not apply cleanly changes nothing and comes back
 * with the files in conflict.
 */
export async function applySpec(
  ctx: AppContext,
  specId: string,
  signal?: AbortSignal,
): Promise<ApplySpecResult> {
  if (!isSpecId(specId)) {
    throw new UserInputError("spec_id", `"${specId}" is not a spec id like CS-001`);
  }
  if (!codeSpecs(ctx.store).get(ctx.projectRoot, specId)) {
    throw new UserInputError("spec_id", `no spec "${specId}" in this project`);
  }
  const stored = codeSpecs(ctx.store).latestReport(ctx.projectRoot, specId);
  if (!stored) {
    throw new UserInputError(
      "spec_id",
      `${specId} has no Code Report yet; run implement_spec on it first`,
    );
  }
  if (!stored.patchPath) {
    throw new UserInputError(
      "spec_id",
      `the latest implement_spec of ${specId} never reached a coder, so there is nothing to apply; run implement_spec again once the coder can be reached`,
    );
  }
  const patch = await readFile(stored.patchPath, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UserInputError(
      "spec_id",
      `the patch of ${specId} (${stored.patchPath}) cannot be read (${error.code}); run implement_spec again`,
    );
  });
  if (patch.trim() === "") {
    throw new UserInputError(
      "spec_id",
      `the coder changed nothing for ${specId}; nothing to apply`,
    );
  }
  const result = await applyPatch(ctx.projectRoot, patch, signal ? { signal } : {});
  const verdict = stored.verdict;
  return result.applied
    ? {
        spec_id: specId,
        applied: true,
        verdict,
        files: capList(result.files, "git status"),
        addedChars: addedChars(patch),
      }
    : {
        spec_id: specId,
        applied: false,
        verdict,
        conflicts: capList(result.conflicts, "the message"),
        message: result.message,
      };
}

/** The characters of a unified diff's added lines, without their "+". */
export function addedChars(patch: string): number {
  let total = 0;
  for (const line of patch.split("\n")) {
    if (line.startsWith("+") && !line.startsWith("+++ ")) total += line.length - 1;
  }
  return total;
}
