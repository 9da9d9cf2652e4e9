import { execFileSync } from "node:child_process";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  ProgressNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { initRepo } from "../../test/support/git-repo.js";
import type { Backends } from "./backends.js";
import { clip, dim, mark } from "./print.js";

const SLUG_BEFORE = "export function slugify(text) {\n  return text.toLowerCase();\n}\n";
/** What a careless first answer looks like: words joined, but dashes left at the ends. */
const SLUG_HALF =
  'export function slugify(text) {\n  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");\n}\n';
const SLUG_DONE =
  'export function slugify(text) {\n  return text\n    .toLowerCase()\n    .replace(/[^a-z0-9]+/g, "-")\n    .replace(/^-+|-+$/g, "");\n}\n';

const SLUG_TEST = `import assert from "node:assert/strict";
import { test } from "node:test";
import { slugify } from "../src/slug.js";

test("joins words with single dashes", () => assert.equal(slugify("Squad MCP  rocks"), "squad-mcp-rocks"));
test("drops dashes at the ends", () => assert.equal(slugify("  Hello, World! "), "hello-world"));
`;

/** The Code Spec the demo's host (architect) writes: precise enough for a cheap coder. */
const SPEC = {
  title: "slugify joins words with dashes",
  objective:
    "slugify(text) must turn any text into a URL slug: lower case, runs of other characters as one dash, no dash at either end.",
  priority: "P1",
  files: [
    {
      path: "src/slug.js",
      action: "MODIFY",
      function: "slugify",
      change:
        "Lower-case the text, replace every run of characters outside a-z and 0-9 with one '-', then strip leading and trailing '-'.",
      signature: "export function slugify(text: string): string",
      constraints: ["No dependencies.", "Keep the named export."],
    },
  ],
  tests: [
    { name: "joins words with single dashes", verifies: "inner runs become one dash" },
    { name: "drops dashes at the ends", verifies: "no leading or trailing dash" },
  ],
  guardrails: ["Do not edit the tests."],
  verification: "node --test test/",
};

const implementResult = z.object({
  spec_id: z.string(),
  verdict: z.enum(["pass", "fail"]),
  attempts: z.number(),
  worker: z.string(),
  /** "src/slug.js +4 −1"; absent when nothing changed. */
  files_changed: z.array(z.string()).optional(),
  report: z.string(),
});
export type SpecOutcome = z.infer<typeof implementResult> & { applied: boolean };

/** A git repository with a half-written slugify and the tests it must pass. */
export async function createSpecProject(root: string): Promise<void> {
  await initRepo(root, {
    "package.json": '{ "name": "slugs", "type": "module" }\n',
    "src/slug.js": SLUG_BEFORE,
    "test/slug.test.js": SLUG_TEST,
  });
}

/**
 * write_code_spec → implement_spec (progress per attempt) → the report → apply_spec, in the
 * project the server runs in. A simulated coder gets a careless first answer and a right second
 * one, so the retry with the failure digest shows; a real coder answers for itself.
 */
export async function runSpec(
  client: Client,
  project: string,
  coder: string,
  backends: Backends,
): Promise<SpecOutcome> {
  backends.scriptCoder?.([coderAnswer(SLUG_HALF), coderAnswer(SLUG_DONE)]);
  const written = await call(client, "write_code_spec", SPEC);
  const spec = z.object({ spec_id: z.string(), path: z.string() }).parse(written);
  // The path is relative to the project.
  console.log(`  write_code_spec → ${spec.spec_id} saved as ${spec.path}`);
  client.setNotificationHandler(ProgressNotificationSchema, ({ params }) => {
    console.log(dim(`    progress: ${clip(params.message ?? "", 90)}`));
  });
  const result = implementResult.parse(
    await call(client, "implement_spec", { spec_id: spec.spec_id, coder }, true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  const files = result.files_changed?.join(", ") ?? "";
  console.log(
    `  ${mark(result.verdict === "pass")} implement_spec → ${result.verdict} by ${result.worker} after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}: ${files || "no changes"}; your tree untouched so far`,
  );
  const report = await client.readResource({ uri: result.report });
  const text = report.contents.map((c) => ("text" in c ? c.text : "")).join("");
  const summary = /## Summary\n\n([^\n]+)/.exec(text)?.[1] ?? "";
  console.log(`  ${result.report}: ${clip(summary, 80)}`);
  if (result.verdict !== "pass") return { ...result, applied: false };
  const applied = z
    .object({ files: z.array(z.string()) })
    .parse(await call(client, "apply_spec", { spec_id: result.spec_id }));
  const staged = execFileSync("git", ["diff", "--cached", "--stat"], { cwd: project })
    .toString()
    .trim()
    .split("\n")
    .slice(-1)[0];
  console.log(
    `  apply_spec → ${applied.files.join(", ")} staged, not committed (git diff --cached: ${staged?.trim()})`,
  );
  return { ...result, applied: true };
}

function coderAnswer(content: string): string {
  return JSON.stringify({
    files: [{ path: "src/slug.js", action: "MODIFY", content }],
    blockers: [],
    deviations: [],
  });
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  progress = false,
): Promise<unknown> {
  const result = await client.callTool(
    { name, arguments: args },
    CallToolResultSchema,
    progress ? { timeout: 600_000, onprogress: () => {} } : undefined,
  );
  if (result.isError) {
    const text = (result.content as { text?: string }[]).map((c) => c.text ?? "").join("");
    throw new Error(`${name} failed: ${text}`);
  }
  return result.structuredContent;
}
