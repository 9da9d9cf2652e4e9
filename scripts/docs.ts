/**
 * `npm run docs`: writes docs/tools.md and docs/configuration.md from the zod schemas, so the
 * references cannot drift from what the server validates (a test fails when one is stale).
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { CONFIG_DOC, configurationMarkdown, EXAMPLE_CONFIG } from "./docs/configuration.js";
import { TOOLS_DOC, toolsMarkdown } from "./docs/tools.js";

export { CONFIG_DOC, configurationMarkdown, EXAMPLE_CONFIG, TOOLS_DOC, toolsMarkdown };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [file, markdown] of [
    [TOOLS_DOC, toolsMarkdown()],
    [CONFIG_DOC, configurationMarkdown()],
  ] as const) {
    writeFileSync(file, markdown);
    console.log(`wrote ${file}`);
  }
}
