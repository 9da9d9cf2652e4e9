import type { SpecStore, StoredSpec } from "../memory/specs.js";
import type { Store } from "../memory/store.js";
import type { CodeReport } from "./report.js";
import type { CodeSpec } from "./spec.js";

export type StoredCodeSpec = StoredSpec<CodeSpec>;

/** The store's specs and reports, read back as the shapes write_code_spec and implement_spec wrote. */
export function codeSpecs(store: Store): SpecStore<CodeSpec, CodeReport> {
  return store.specs as SpecStore<CodeSpec, CodeReport>;
}
