import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package's own `skills/` folder, found from the running module: it runs from
 * `bundle/cli.js`, from `dist/` or, under vitest, from `src/`.
 */
export function shippedSkillsDir(): string {
  return join(packageRoot(dirname(fileURLToPath(import.meta.url))), "skills");
}

function packageRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "squad-mcp") {
      return dir;
    }
  }
  throw new Error(`no squad-mcp package.json above ${start}: cannot find the shipped skills`);
}
