import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

// Every test file gets its own temporary folder as TMPDIR, so whatever a test makes with
// os.tmpdir() (folders, repositories, databases, logs) is removed with it once the file is done.
const shared = tmpdir();
const privateTmp = mkdtempSync(join(shared, "squad-vitest-"));
process.env.TMPDIR = privateTmp;

afterAll(() => {
  process.env.TMPDIR = shared;
  rmSync(privateTmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});
