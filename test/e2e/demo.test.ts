import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CLOSED_OLLAMA, PACKAGE_ROOT, tempDir } from "../support/server.js";

describe("npm run demo", () => {
  it("routes the seed tasks, learns from outcomes and exits 0 with nothing else installed", async () => {
    const result = await execa(process.execPath, [join(PACKAGE_ROOT, "build/scripts/demo.js")], {
      env: { PATH: process.env.PATH, HOME: tempDir(), OLLAMA_HOST: CLOSED_OLLAMA },
      extendEnv: false,
      reject: false,
    });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/simulated Ollama: no live Ollama answered at http:\/\/127\.0\.0\.1:2/);
    expect(out).toMatch(/grep -rn "ACGMEValidator" backend\/\s+→ qwen-fast\s+explore/);
    expect(out).toMatch(
      /Check whether next month's call sch…\s+→ host\s+review .*acgme-compliance/,
    );
    expect(out).toMatch(/→ host\s+architecture/);
    expect(out).toMatch(/again\s+→ qwen-coder\s+2\/2, 0\.92 chosen over qwen-fast, qwen-moe/);
    expect(out.split("\n").length).toBeLessThanOrEqual(45);
  });
});
