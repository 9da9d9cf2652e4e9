import { footerCounts, messageOf } from "./tap.js";
import type { Finding, ToolReport } from "./types.js";

const FAILING_SECTION = /^✖ failing tests:$/;
const WHERE = /^test at (.+?):(\d+):\d+$/;
const TITLE = /^✖ (.+?)(?: \([\d.]+m?s\))?$/;
/** `    actual: "x",` in the error object node prints after the stack. */
const SIDE = /^\s+(actual|expected): (.*?),?$/;

/**
 * `node --test --test-reporter=spec` (its default on a terminal): the `✖ failing tests:` section
 * lists each failure as `test at file:line:col`, `✖ name`, then the error and its stack.
 */
export function digestNodeSpec(lines: string[]): ToolReport {
  const start = lines.findIndex((line) => FAILING_SECTION.test(line));
  const findings: Finding[] = [];
  let current: { file: string; line: number; name: string; body: string[] } | null = null;
  const close = () => {
    if (!current) return;
    const { file, line, name } = current;
    // `AssertionError [ERR_ASSERTION]: …`: the code adds nothing to the name.
    const body = current.body.map((text) => text.replace(/^(\s*\w+) \[ERR_\w+\]:/, "$1:"));
    const stack = body.findIndex((text) => /^\s+at /.test(text));
    const error = (stack === -1 ? body : body.slice(0, stack)).map((t) => t.trim()).join("\n");
    const described = new Map<string, string>([["error", error]]);
    for (const text of body) {
      const side = SIDE.exec(text);
      if (side) described.set(side[1] as string, (side[2] as string).replace(/^["']|["']$/g, ""));
    }
    findings.push({
      id: `${file} > ${name}`,
      line,
      message: messageOf(described),
      group: file,
      name,
    });
    current = null;
  };
  for (let i = start === -1 ? lines.length : start + 1; i < lines.length; i++) {
    const where = WHERE.exec(lines[i] as string);
    const title = where ? TITLE.exec(lines[i + 1] ?? "") : null;
    if (where && title) {
      close();
      const file = (where[1] as string).replace(/^file:\/\//, "");
      current = { file, line: Number(where[2]), name: title[1] as string, body: [] };
      i++;
    } else if (current) {
      current.body.push(lines[i] as string);
    }
  }
  close();
  return { counts: footerCounts(lines), findings };
}
