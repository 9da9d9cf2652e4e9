import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./server.js";

/** Real tool outputs (test/fixtures/digests/README.md says how each was made). */
export const DIGEST_FIXTURES = join(PACKAGE_ROOT, "test", "fixtures", "digests");

/** One fixture's line in manifest.json: how it was produced and what it must yield. */
export interface ManifestEntry {
  command: string;
  exitCode: number | null;
  /** Failing test ids, known from how the fixture project was generated. */
  failing?: string[];
  /** `file:line` of each problem a checker or linter reported. */
  problems?: string[];
  /** Files with problems. */
  files?: string[];
  /** For real projects: the project, what was broken and how it was run. */
  made?: string;
  /** This output is the runner's own quiet or agent mode for the run in that fixture. */
  quietModeOf?: string;
}

export function readManifest(dir: string = DIGEST_FIXTURES): Record<string, ManifestEntry> {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<
    string,
    ManifestEntry
  >;
}
