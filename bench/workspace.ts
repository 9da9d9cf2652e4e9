import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Every folder the bench makes lives under one root, removed when the bench ends. */
const ROOT = mkdtempSync(join(tmpdir(), "squad-bench-"));
let made = 0;

export function scratchDir(name: string): string {
  const dir = join(ROOT, `${++made}-${name}`);
  mkdirSync(dir);
  return dir;
}

export function removeScratch(): void {
  rmSync(ROOT, { recursive: true, force: true });
}
