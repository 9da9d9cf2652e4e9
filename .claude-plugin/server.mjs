#!/usr/bin/env node
// Starts squad-mcp for the Claude Code plugin: the built bundle when this copy of the plugin
// has one (a clone after `npm install`, or a marketplace added from such a folder), else the
// package from the npm registry through npx, at this plugin's version.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const bundle = new URL("../bundle/cli.js", import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const spec = process.env.SQUAD_MCP_PLUGIN_PACKAGE || `squad-mcp@${version}`;
  const args = ["-y", "--package", spec, "squad-mcp", ...process.argv.slice(2)];
  const child = spawn("npx", args, { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  child.on("error", (error) => {
    process.stderr.write(`squad-mcp plugin: cannot start ${spec} with npx: ${error.message}\n`);
    process.exitCode = 2;
  });
}
