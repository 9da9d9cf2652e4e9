import { execa } from "execa";
import { CLI, CLOSED_OLLAMA, tempDir } from "./server.js";

export interface CliOptions {
  /** Where it runs; a fresh temp folder when omitted. */
  cwd?: string;
  /** On top of a fresh SQUAD_HOME and HOME and a closed OLLAMA_HOST; nothing else is inherited. */
  env?: Record<string, string>;
  timeout?: number;
  /** A command and its arguments the CLI runs under (e.g. bwrap with a read-only mount). */
  wrap?: string[];
  /** What the CLI reads on stdin, which then closes (the server ends when it does). */
  input?: string;
}

/** Runs the built `squad-mcp` command as a user would, never throwing on a non-zero exit. */
export function runCli(args: string[], options: CliOptions = {}) {
  const [file, ...prefix] = [...(options.wrap ?? []), process.execPath, CLI, ...args];
  return execa(file as string, prefix, {
    cwd: options.cwd ?? tempDir(),
    // Temp folders only for what the caller did not give, so a caller that removes its own
    // folders leaves nothing behind.
    env: {
      SQUAD_HOME: options.env?.SQUAD_HOME ?? tempDir(),
      HOME: options.env?.HOME ?? tempDir(),
      OLLAMA_HOST: CLOSED_OLLAMA,
      ...options.env,
    },
    extendEnv: false,
    reject: false,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}
