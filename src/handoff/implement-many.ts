import type { AppContext } from "../context.js";
import { UserInputError } from "../errors.js";
import { type ImplementResult, implementSpec } from "./implement.js";

export interface DivisionRequest {
  specIds: string[];
  /** Coders dealt out over the specs in turn; empty: the `coder` role does every spec. */
  coders: string[];
  maxAttempts: number;
  timeoutMs?: number | undefined;
}

export interface DivisionResult {
  /** pass only when every spec passed. */
  verdict: "pass" | "fail";
  results: ImplementResult[];
}

/**
 * Division of labour: each spec goes to one coder (dealt round-robin from `coders`) and all
 * specs are implemented at once, each in its own worktrees. Every id is checked before any
 * coder starts. Settles after every spec has finished, so no worktree outlives the call.
 */
export async function implementSpecs(
  ctx: AppContext,
  request: DivisionRequest,
  signal: AbortSignal,
  onProgress: (message: string) => void = () => {},
): Promise<DivisionResult> {
  checkSpecIds(ctx, request.specIds);
  const coders = request.coders.length > 0 ? request.coders : [ctx.config.roles.coder];
  const settled = await Promise.allSettled(
    request.specIds.map((specId, index) =>
      implementSpec(
        ctx,
        {
          specId,
          coders: [coders[index % coders.length] ?? ctx.config.roles.coder],
          maxAttempts: request.maxAttempts,
          timeoutMs: request.timeoutMs,
        },
        signal,
        onProgress,
      ),
    ),
  );
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  const results = settled.map(
    (outcome) => (outcome as PromiseFulfilledResult<ImplementResult>).value,
  );
  return {
    verdict: results.every((result) => result.verdict === "pass") ? "pass" : "fail",
    results,
  };
}

function checkSpecIds(ctx: AppContext, specIds: readonly string[]): void {
  if (specIds.length === 0) throw new UserInputError("spec_ids", "is empty; give the spec ids");
  specIds.forEach((specId, index) => {
    const field = `spec_ids[${index}]`;
    if (specIds.indexOf(specId) !== index) {
      throw new UserInputError(field, `"${specId}" is listed twice; give each spec once`);
    }
    if (!ctx.store.specs.get(ctx.projectRoot, specId)) {
      throw new UserInputError(
        field,
        `no spec "${specId}" in this project; use the ids write_code_spec returned`,
      );
    }
  });
}
