// Bundles the compiled CLI into bundle/: one parse instead of hundreds of module files keeps
// start-up (paid on every Claude Code session) within budget. better-sqlite3 stays external:
// it loads a native addon from its own folder.
import { fileURLToPath } from "node:url";
import { defineConfig } from "rolldown";

const validatorStandIn = fileURLToPath(
  new URL("dist/no-elicitation-validator.js", import.meta.url),
);

export default defineConfig({
  // The JSON Schema worker is its own entry: it runs in a worker thread the server can stop.
  input: { cli: "dist/cli.js", "json-worker": "dist/validation/json-worker.js" },
  platform: "node",
  external: ["better-sqlite3"],
  plugins: [
    {
      name: "squad-mcp:no-ajv",
      resolveId(source, importer) {
        const fromSdkServer = /@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/]server[\\/]/.test(
          importer ?? "",
        );
        return fromSdkServer && source.endsWith("/validation/ajv-provider.js")
          ? validatorStandIn
          : null;
      },
    },
  ],
  output: { dir: "bundle", format: "esm", minify: true, sourcemap: true, cleanDir: true },
});
