import type { AppContext } from "../context.js";
import { type CodeSpec, checkSpec, type SpecDraft } from "./spec.js";
import { checkSquadFolder, specUri, writeSpecFiles } from "./spec-files.js";
import { renderSpec } from "./spec-markdown.js";

export interface WrittenSpec {
  spec_id: string;
  /** Absolute path of `.squad/specs/CS-NNN.md`. */
  path: string;
  /** `squad://specs/CS-NNN`. */
  uri: string;
}

/**
 * Checks, numbers and saves Code Specs: one, or a batch whose first spec carries the
 * batch header. Every spec is checked before any id is taken, so a bad spec in a batch costs
 * nothing; `fieldOf(i)` names the field a problem is reported under.
 */
export function writeCodeSpecs(
  ctx: AppContext,
  drafts: readonly SpecDraft[],
  fieldOf: (index: number) => string,
): WrittenSpec[] {
  const specs: CodeSpec[] = drafts.map((draft, index) =>
    checkSpec(draft, ctx.projectRoot, fieldOf(index)),
  );
  checkSquadFolder(ctx.projectRoot);
  const ids = ctx.store.specs.allocate(ctx.projectRoot, specs, ctx.now());
  const batch = specs.length > 1 ? { ids } : undefined;
  return specs.map((spec, index) => {
    const id = ids[index] ?? "";
    const path = writeSpecFiles(ctx.projectRoot, id, renderSpec(id, spec, batch));
    ctx.store.specs.setMarkdownPath(ctx.projectRoot, id, path);
    return { spec_id: id, path, uri: specUri(id) };
  });
}
