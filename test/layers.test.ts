import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIOME = join(ROOT, "node_modules", "@biomejs", "biome", "bin", "biome");

/** The layer rule alone (biome.json's noRestrictedImports overrides) over `paths`, from `cwd`. */
function checkLayers(cwd: string, ...extra: string[]) {
  const run = spawnSync(
    process.execPath,
    [BIOME, "lint", "--only=style/noRestrictedImports", "--colors=off", ...extra, "src"],
    { cwd, encoding: "utf8" },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the layer rule in biome.json", () => {
  const scratch = mkdtempSync(join(tmpdir(), "layers-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("holds for the source tree", () => {
    const { status, output } = checkLayers(ROOT);
    expect(output).not.toMatch(/noRestrictedImports/);
    expect(status).toBe(0);
  });

  it("refuses an import that points up a layer, and allows one that points down", () => {
    copyFileSync(join(ROOT, "biome.json"), join(scratch, "biome.json"));
    const files: Record<string, string> = {
      "src/memory/up.ts":
        'import { checkSpec } from "../handoff/spec.js";\nexport const f = checkSpec;\n',
      "src/routing/up.ts":
        'import type { AppContext } from "../context.js";\nexport type C = AppContext;\n',
      "src/validation/sideways.ts":
        'import { executeCommand } from "../squad/execute-command.js";\nexport const f = executeCommand;\n',
      "src/tools/sql.ts":
        'import { openSqlite } from "../memory/sqlite.js";\nexport const f = openSqlite;\n',
      "src/squad/down.ts":
        'import { routeTask } from "../routing/route-task.js";\nimport { openStore } from "../memory/store.js";\nexport const f = [routeTask, openStore];\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }
    const { status, output } = checkLayers(scratch, "--vcs-enabled=false");
    expect(status).not.toBe(0);
    expect(output).toContain("src/memory/up.ts");
    expect(output).toContain("src/routing/up.ts");
    expect(output).toContain("src/validation/sideways.ts");
    expect(output).toContain("src/tools/sql.ts");
    expect(output).not.toContain("src/squad/down.ts");
  });
});
