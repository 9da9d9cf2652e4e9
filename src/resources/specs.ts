import { readFile } from "node:fs/promises";
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import type { AppContext } from "../context.js";
import { reportUri, specUri } from "../handoff/spec-files.js";
import { renderReport, renderSpec } from "../handoff/spec-markdown.js";
import { codeSpecs } from "../handoff/spec-records.js";
import { isSpecId } from "../memory/specs.js";
import { RESOURCE_NOT_FOUND } from "./not-found.js";

/** Specs listed by resources/list; older ones stay readable by URI. */
const LISTED_SPECS = 50;

/** `squad://specs/CS-NNN` (the Code Spec) and `squad://specs/CS-NNN/report` (its latest report). */
export function registerSpecs(server: McpServer, ctx: AppContext): void {
  const specs = codeSpecs(ctx.store);
  server.registerResource(
    "code-spec",
    new ResourceTemplate("squad://specs/{spec_id}", {
      list: () => ({
        resources: specs.recent(ctx.projectRoot, LISTED_SPECS).map((spec) => ({
          uri: specUri(spec.id),
          name: spec.id,
          title: `${spec.id} ${spec.title} (${spec.priority})`,
          mimeType: "text/markdown",
        })),
      }),
    }),
    {
      title: "Code Spec",
      description: "A spec written by write_code_spec.",
      mimeType: "text/markdown",
    },
    async (uri, variables) => {
      const id = specIdOf(uri, variables.spec_id);
      const spec = specs.get(ctx.projectRoot, id);
      if (!spec)
        throw new McpError(RESOURCE_NOT_FOUND, `${uri.href}: no spec ${id} in this project`);
      const text = await fileOr(spec.markdownPath, () => renderSpec(spec.id, spec.spec));
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text }] };
    },
  );
  server.registerResource(
    "code-report",
    new ResourceTemplate("squad://specs/{spec_id}/report", {
      list: () => ({
        resources: specs.recent(ctx.projectRoot, LISTED_SPECS).flatMap((spec) => {
          const report = specs.latestReport(ctx.projectRoot, spec.id);
          if (!report) return [];
          return [
            {
              uri: reportUri(spec.id),
              name: `${spec.id}/report`,
              title: `${spec.id} report: ${report.verdict} (${report.report.worker})`,
              mimeType: "text/markdown",
            },
          ];
        }),
      }),
    }),
    {
      title: "Code Report",
      description: "The latest implement_spec report for a spec.",
      mimeType: "text/markdown",
    },
    async (uri, variables) => {
      const id = specIdOf(uri, variables.spec_id);
      if (!specs.get(ctx.projectRoot, id)) {
        throw new McpError(RESOURCE_NOT_FOUND, `${uri.href}: no spec ${id} in this project`);
      }
      const stored = specs.latestReport(ctx.projectRoot, id);
      if (!stored) {
        throw new McpError(
          RESOURCE_NOT_FOUND,
          `${uri.href}: ${id} has no report yet; run implement_spec on it`,
        );
      }
      const text = await fileOr(stored.reportPath, () => renderReport(stored.report));
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text }] };
    },
  );
}

function specIdOf(uri: URL, variable: string | string[] | undefined): string {
  const id = decodeURIComponent(String(variable));
  if (!isSpecId(id)) {
    throw new McpError(RESOURCE_NOT_FOUND, `${uri.href}: "${id}" is not a spec id like CS-001`);
  }
  return id;
}

/** The file as written; rendered again from SQLite when someone deleted `.squad/`. */
async function fileOr(path: string | null, render: () => string): Promise<string> {
  if (path) {
    const text = await readFile(path, "utf8").catch(() => null);
    if (text !== null) return text;
  }
  return render();
}
