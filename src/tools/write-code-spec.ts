import { dirname, relative } from "node:path";
import { z } from "zod";
import { UserInputError } from "../errors.js";
import { FILE_ACTIONS, SPEC_PRIORITIES, type SpecDraft } from "../handoff/spec.js";
import { writeCodeSpecs } from "../handoff/write-specs.js";
import { defineTool } from "./define-tool.js";

const text = (max: number) => z.string().max(max);
const list = (max: number) => z.array(z.string().max(2_000)).max(max);

const fileBlock = z.strictObject({
  path: text(1_000).describe("Relative to the project."),
  action: z.enum(FILE_ACTIONS),
  function: text(200).optional().describe("Symbol changed."),
  change: text(20_000).describe("Exactly what to do (NEW: contents; DELETE: why)."),
  signature: text(2_000).optional().describe("New or changed signature."),
  constraints: list(50).optional().describe("Rules for this file."),
});

const specFields = {
  title: text(200).describe("Short name of the change."),
  objective: text(4_000).describe("What it is for, 1–3 sentences."),
  priority: z.enum(SPEC_PRIORITIES).optional().describe("Default P1."),
  files: z.array(fileBlock).max(100).describe("Every file to touch; the coder writes no other."),
  tests: z
    .array(z.strictObject({ name: text(200), verifies: text(1_000) }))
    .max(100)
    .optional()
    .describe("Tests to add or keep passing."),
  guardrails: list(50).optional().describe("What the coder must not do."),
  verification: text(2_000).describe("Command whose exit 0 proves the change. Required."),
  context: text(100_000).optional().describe("Read-only reference: types, contracts, examples."),
};

/**
 * One spec's fields, verification included but optional here: checkSpec refuses a spec without
 * one with a message that says why, which beats a bare "required".
 */
const specObject = z.strictObject({
  ...specFields,
  verification: specFields.verification.optional(),
});

const input = specObject.partial().extend({
  // Listed as plain objects: repeating every spec field here would double what the host pays
  // for this tool on every turn. The handler checks each item against `specObject`.
  specs: z
    .array(z.looseObject({}))
    .max(50)
    .optional()
    .describe("Batch mode: several specs with the fields above, instead of them."),
});

const output = z.object({
  spec_id: z.string().describe("CS-NNN: give it to implement_spec."),
  path: z.string().describe("The spec's file, relative to the project."),
  uri: z.string().describe("The spec as a resource (squad://specs/CS-NNN)."),
  batch: z.array(z.string()).optional().describe("Every spec id written, for spec_ids."),
});

type Input = z.output<typeof input>;

/** Up to this many specs are listed one per line in the text. */
const LISTED_SPECS = 5;

export const writeCodeSpecTool = defineTool({
  name: "write_code_spec",
  title: "Write a Code Spec",
  description:
    "Save a precise Code Spec for a coder model to implement with implement_spec: files to " +
    "touch and how, tests, guardrails, a verification command. Returns its id and path.",
  input,
  output,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },
  handler(args, ctx) {
    const drafts = draftsOf(args);
    const batch = args.specs !== undefined;
    const written = writeCodeSpecs(ctx, drafts, (index) => (batch ? `specs[${index}]` : "")).map(
      (spec) => ({ ...spec, path: relative(ctx.projectRoot, spec.path) }),
    );
    const [first] = written;
    if (!first) throw new Error("no spec was written");
    const last = written[written.length - 1] ?? first;
    // A big batch in one line: the text stays short however many specs there are.
    const lines =
      written.length <= LISTED_SPECS
        ? written.map((spec) => `${spec.spec_id} saved: ${spec.uri} (${spec.path})`)
        : [
            `${written.length} specs saved, ${first.spec_id} through ${last.spec_id}, in ${dirname(first.path)} (squad://specs/<id>)`,
          ];
    lines.push(
      batch
        ? `Next: implement_spec with spec_ids (division), or one spec_id at a time.`
        : `Next: implement_spec with spec_id ${first.spec_id}.`,
    );
    return {
      structured: { ...first, ...(batch ? { batch: written.map((spec) => spec.spec_id) } : {}) },
      text: lines.join("\n"),
    };
  },
});

function draftsOf(args: Input): SpecDraft[] {
  const { specs, ...single } = args;
  if (specs === undefined) return [toDraft(parseSpec(single, ""))];
  const stray = Object.keys(single).filter(
    (key) => single[key as keyof typeof single] !== undefined,
  );
  if (stray.length > 0) {
    throw new UserInputError(
      stray[0] ?? "specs",
      "give either one spec's fields or `specs`, not both; put this field inside each spec",
    );
  }
  if (specs.length === 0) throw new UserInputError("specs", "is empty; give at least one spec");
  return specs.map((spec, index) => toDraft(parseSpec(spec, `specs[${index}]`)));
}

/** Checks one spec's shape, naming the first wrong field as `specs[1].files[0].path`. */
function parseSpec(value: unknown, prefix: string): z.output<typeof specObject> {
  const parsed = specObject.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? [])
    .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
    .join("");
  const field = `${prefix}${path}`.replace(/^\./, "") || prefix || "spec";
  throw new UserInputError(field, issue?.message ?? "is not a valid spec");
}

function toDraft(spec: z.output<typeof specObject>): SpecDraft {
  return {
    title: spec.title,
    objective: spec.objective,
    priority: spec.priority ?? "P1",
    files: spec.files.map((file) => ({ ...file, constraints: file.constraints ?? [] })),
    tests: spec.tests ?? [],
    guardrails: spec.guardrails ?? [],
    verification: spec.verification,
    ...(spec.context !== undefined ? { context: spec.context } : {}),
  };
}
