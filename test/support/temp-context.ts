import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type AppContext, createContext } from "../../src/context.js";

/**
 * For a test file: returns a function that opens a fresh AppContext (its own SQUAD_HOME, no
 * Ollama, silent logs) whose clock reads `now`. Contexts are closed after each test and their
 * folders removed after the file. Call at the top level of the file.
 */
export function tempContexts(prefix: string): (now: number) => AppContext {
  let base = "";
  let count = 0;
  const contexts: AppContext[] = [];
  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  });
  afterEach(() => {
    for (const ctx of contexts.splice(0)) ctx.close();
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  return (now) => {
    count += 1;
    const home = join(base, `home-${count}`);
    mkdirSync(home);
    const ctx = createContext({
      cwd: home,
      env: {
        SQUAD_HOME: home,
        HOME: home,
        OLLAMA_HOST: "http://127.0.0.1:2",
        SQUAD_LOG_LEVEL: "silent",
      },
    });
    ctx.now = () => now;
    contexts.push(ctx);
    return ctx;
  };
}
