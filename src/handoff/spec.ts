import { statSync } from "node:fs";
import { join } from "node:path";
import { UserInputError } from "../errors.js";
import { checkRelativePath, escapesThroughSymlink } from "./spec-paths.js";

export const SPEC_PRIORITIES = ["P0", "P1", "P2"] as const;
export type SpecPriority = (typeof SPEC_PRIORITIES)[number];

export const FILE_ACTIONS = ["NEW", "MODIFY", "DELETE"] as const;
export type FileAction = (typeof FILE_ACTIONS)[number];

/** One `### [ACTION] path` block of a Code Spec. Snake case: the tool input passes through. */
export interface SpecFile {
  path: string;
  action: FileAction;
  /** The function or symbol the change is about, when there is one. */
  function?: string;
  /** What to add, change or remove; for DELETE, why the file goes. */
  change: string;
  /** The new or changed signature, shown as code. */
  signature?: string;
  constraints: string[];
}

export interface SpecTest {
  name: string;
  verifies: string;
}

/** A Code Spec: the coder's only context, so every field is meant to be precise. */
export interface CodeSpec {
  title: string;
  objective: string;
  priority: SpecPriority;
  files: SpecFile[];
  tests: SpecTest[];
  guardrails: string[];
  /** The shell command whose exit code 0 means the change works. */
  verification: string;
  /** Read-only reference the coder needs: types from elsewhere, API contracts. */
  context?: string;
}

/** A spec as the host sent it, before checkSpec: the verification may still be missing. */
export type SpecDraft = Omit<CodeSpec, "verification"> & { verification?: string | null };

/**
 * Refuses a spec the coder could not implement safely, naming the field and path at fault, and
 * returns it with trimmed text and normalised paths. `field` prefixes every field name (e.g.
 * `specs[2]` in batch mode); pass "" when the spec's fields are the tool's top-level input.
 *
 * File existence is checked against the project's working tree now. NEW of an existing file is
 * refused rather than treated as an overwrite: the coder only sees the current contents of
 * MODIFY files, so it would replace a file it has never read.
 */
export function checkSpec(spec: SpecDraft, projectRoot: string, field = "spec"): CodeSpec {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const verification = requireVerification(spec.verification, at("verification"));
  requireText(spec.title, at("title"), "give the spec a short title");
  requireText(spec.objective, at("objective"), "say in 1–3 sentences what the change is for");
  if (!SPEC_PRIORITIES.includes(spec.priority)) {
    throw new UserInputError(at("priority"), `"${spec.priority}" is not one of P0, P1, P2`);
  }
  if (spec.files.length === 0) {
    throw new UserInputError(at("files"), "is empty; name at least one file to change");
  }
  return {
    ...spec,
    title: spec.title.trim(),
    objective: spec.objective.trim(),
    verification,
    files: checkFiles(spec.files, projectRoot, at("files")),
  };
}

function requireVerification(command: string | null | undefined, field: string): string {
  const trimmed = typeof command === "string" ? command.trim() : "";
  if (trimmed === "") {
    throw new UserInputError(
      field,
      'is missing: a spec that cannot be verified is refused. Give the command whose success proves the change works, e.g. "npm test"',
    );
  }
  return trimmed;
}

function requireText(value: string, field: string, hint: string): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new UserInputError(field, `is blank; ${hint}`);
  }
}

function checkFiles(files: SpecFile[], projectRoot: string, field: string): SpecFile[] {
  const firstIndexOf = new Map<string, number>();
  return files.map((file, index) => {
    const at = `${field}[${index}]`;
    if (!FILE_ACTIONS.includes(file.action)) {
      throw new UserInputError(
        `${at}.action`,
        `"${file.action}" is not one of NEW, MODIFY, DELETE`,
      );
    }
    const path = checkFilePath(file, projectRoot, `${at}.path`);
    const earlier = firstIndexOf.get(path);
    if (earlier !== undefined) {
      throw new UserInputError(
        `${at}.path`,
        `"${path}" is listed twice (also ${field}[${earlier}]); give each file one block`,
      );
    }
    firstIndexOf.set(path, index);
    requireText(file.change, `${at}.change`, "say precisely what to change in this file");
    return { ...file, path, change: file.change.trim() };
  });
}

function checkFilePath(file: SpecFile, projectRoot: string, field: string): string {
  const checked = checkRelativePath(file.path);
  if (!checked.ok) throw new UserInputError(field, checked.problem);
  const { path } = checked;
  if (escapesThroughSymlink(projectRoot, path)) {
    throw new UserInputError(field, `"${path}" leads outside the project through a symlink`);
  }
  const stat = statSync(join(projectRoot, path), { throwIfNoEntry: false });
  if (file.action === "NEW" && stat) {
    throw new UserInputError(
      field,
      `"${path}" already exists; use MODIFY to change it (the coder is then shown its contents)`,
    );
  }
  if (file.action !== "NEW" && !stat) {
    throw new UserInputError(
      field,
      `"${path}" does not exist in the project; ${file.action} needs an existing file (NEW creates one)`,
    );
  }
  if (file.action !== "NEW" && stat?.isDirectory()) {
    throw new UserInputError(field, `"${path}" is a directory; name each file on its own`);
  }
  return path;
}
