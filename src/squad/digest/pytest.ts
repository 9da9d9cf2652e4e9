import { orderCounts, readCountPairs, uniqueById } from "./counts.js";
import { joinMessage, oneLine } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

const SUMMARY_ITEM = /^(FAILED|ERROR) (\S+)(?: - (.*))?$/;
const SECTION_TITLE = /^_{2,} (.+?) _{2,}$/;
const BANNER = /^={3,} .* ={3,}$/;
const LOCATION = /^(\S+\.py):(\d+):/;
const FINAL_COUNTS = /^=*\s*((?:\d+ [a-z]+(?:, )?)+) in [\d.]+s\b/;

interface Section {
  title: string;
  lines: string[];
}

/** `_____ TestRefunds.test_partial_refund _____` blocks under FAILURES and ERRORS. */
function readSections(lines: string[]): Section[] {
  const sections: Section[] = [];
  let current: Section | null = null;
  for (const line of lines) {
    const title = SECTION_TITLE.exec(line);
    if (title) {
      current = { title: title[1] as string, lines: [] };
      sections.push(current);
    } else if (BANNER.test(line)) {
      current = null;
    } else if (current) {
      current.lines.push(line);
    }
  }
  return sections;
}

/** The test part of a node id as pytest titles its section: `Class.test[param]`. */
function titleOfId(id: string): string {
  const parts = id.split("::").slice(1);
  return parts.join(".");
}

function sectionFor(id: string, sections: Section[]): Section | undefined {
  const file = id.split("::")[0] as string;
  const title = titleOfId(id);
  const matching = sections.filter((s) => {
    const bare = s.title.replace(/^ERROR at (?:setup|teardown) of /, "");
    if (title === "") return s.title === `ERROR collecting ${file}`;
    return bare === title;
  });
  // Two files can hold a test of the same name; the traceback names the right file.
  return matching.find((s) => lineOf(s, file) !== undefined) ?? matching[0];
}

function messageOf(section: Section | undefined, fallback: string): string {
  if (!section) return oneLine(fallback);
  const errorLine = section.lines.find((line) => /^E\s+\S/.test(line));
  if (errorLine) return joinMessage([errorLine.replace(/^E\s+/, "")]);
  const last = [...section.lines].reverse().find((line) => line.trim() !== "");
  return oneLine(fallback || (last ?? ""));
}

function lineOf(section: Section | undefined, file: string): number | undefined {
  for (const line of section?.lines ?? []) {
    const match = LOCATION.exec(line);
    if (match && match[1] === file) return Number(match[2]);
  }
  return undefined;
}

function findingOf(id: string, summaryMessage: string, sections: Section[]): Finding {
  const file = id.split("::")[0] as string;
  const section = sectionFor(id, sections);
  const name = id.includes("::") ? id.slice(file.length + 2) : undefined;
  return {
    id,
    line: lineOf(section, file),
    message: messageOf(section, summaryMessage),
    group: file,
    name,
  };
}

/** Without `short test summary info` (e.g. `-rN`), ids come from section titles and locations. */
function idsFromSections(sections: Section[]): string[] {
  return sections.flatMap((section) => {
    const collecting = /^ERROR collecting (\S+)$/.exec(section.title);
    if (collecting) return [collecting[1] as string];
    const location = section.lines.map((line) => LOCATION.exec(line)).find((m) => m !== null);
    if (!location) return [];
    const title = section.title.replace(/^ERROR at (?:setup|teardown) of /, "");
    const name = title.replace(/\.(?![^[]*\])/g, "::");
    return [`${location[1]}::${name}`];
  });
}

function readCounts(lines: string[]): Record<string, number> {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = FINAL_COUNTS.exec(lines[i] as string);
    if (match) {
      const counts = readCountPairs(match[1] as string, { error: "errors", warning: "warnings" });
      return orderCounts(counts, ["failed", "passed", "skipped", "errors"]);
    }
  }
  return {};
}

export function digestPytest(lines: string[]): ToolReport {
  const sections = readSections(lines);
  const items = lines.map((line) => SUMMARY_ITEM.exec(line)).filter((m) => m !== null);
  const findings =
    items.length > 0
      ? items.map((m) => findingOf(m[2] as string, m[3] ?? "", sections))
      : idsFromSections(sections).map((id) => findingOf(id, "", sections));
  return { counts: readCounts(lines), findings: uniqueById(findings) };
}
