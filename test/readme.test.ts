import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { PACKAGE_ROOT } from "./support/server.js";

const README = join(PACKAGE_ROOT, "README.md");
const DOCS = join(PACKAGE_ROOT, "docs");

/** The Markdown files users read: the README, BENCHMARKS.md and everything in docs/. */
function markdownFiles(): string[] {
  const docs = readdirSync(DOCS)
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(DOCS, name));
  return [README, join(PACKAGE_ROOT, "BENCHMARKS.md"), ...docs];
}

/** Text outside fenced blocks and inline code, where a `[x](y)` is a link. */
function prose(markdown: string): string {
  return markdown
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "")
    .replace(/`+[^`\n]*`+/g, "");
}

function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? "");
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  const withoutFences = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of withoutFences.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = (match[1] ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    found.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return found;
}

describe("README.md", () => {
  it("stays within 12 KB (12,288 bytes)", () => {
    expect(readFileSync(README).byteLength).toBeLessThanOrEqual(12_288);
  });

  it("gives the test command CI runs", () => {
    const ci = readFileSync(join(PACKAGE_ROOT, ".ci", "run"), "utf8");
    expect(ci).toMatch(/^npm ci && npm test$/m);
    expect(readFileSync(README, "utf8")).toContain("npm ci && npm test");
  });
});

describe("examples in the docs", () => {
  it("are valid JSON wherever they are marked json", () => {
    const invalid: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(file, "utf8");
      for (const [, block = ""] of text.matchAll(/^```json\n([\s\S]*?)^```$/gm)) {
        try {
          JSON.parse(block);
        } catch (error) {
          invalid.push(`${relative(PACKAGE_ROOT, file)}: ${(error as Error).message}`);
        }
      }
    }
    expect(invalid).toEqual([]);
  });

  it("include a README config that loads as squad.config.json", () => {
    const readme = readFileSync(README, "utf8");
    const example = readme.match(
      /what differs from the defaults, for example:\n\n```json\n([\s\S]*?)^```$/m,
    );
    const cwd = mkdtempSync(join(tmpdir(), "readme-config-"));
    writeFileSync(join(cwd, "squad.config.json"), example?.[1] ?? "missing");
    const { config } = loadConfig({ cwd, env: { SQUAD_HOME: join(cwd, "home") } });
    expect(config.routing.qualityBar).toBe(0.85);
  });
});

describe("links between the docs", () => {
  it("finds links and anchors the way GitHub writes them", () => {
    const sample =
      "## How `route_task` decides\n## Default workers\n[a](docs/x.md#y) `[b](c.md)`\n";
    expect(relativeLinks(sample)).toEqual(["docs/x.md#y"]);
    expect(anchors(sample)).toEqual(new Set(["how-route_task-decides", "default-workers"]));
  });

  it("point at files (and headings) that exist", () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(file, "utf8");
      for (const link of relativeLinks(text)) {
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? file : join(dirname(file), decodeURIComponent(path));
        const where = `${relative(PACKAGE_ROOT, file)} → ${link}`;
        if (!existsSync(target)) broken.push(`${where}: no such file`);
        else if (
          anchor &&
          target.endsWith(".md") &&
          !anchors(readFileSync(target, "utf8")).has(anchor)
        )
          broken.push(`${where}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });
});
