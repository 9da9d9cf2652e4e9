/** Small Markdown builders that keep text from the host or a model from breaking the layout. */

/** A fenced block whose fence is longer than any backtick run inside, so it cannot be closed early. */
export function fence(text: string, language = ""): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const marks = "`".repeat(Math.max(3, longestRun + 1));
  return `${marks}${language}\n${text.replace(/\n+$/, "")}\n${marks}`;
}

/** Inline code that survives backticks inside the text (CommonMark: pad with spaces). */
export function codeSpan(text: string): string {
  const flat = oneLine(text);
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const marks = "`".repeat(longestRun + 1);
  return longestRun > 0 ? `${marks} ${flat} ${marks}` : `${marks}${flat}${marks}`;
}

/** Headings and table cells end at a newline, so text destined for them is flattened. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A table cell: one line, pipes escaped (GFM splits cells on `|` even inside code). */
export function cell(text: string): string {
  return oneLine(text).replaceAll("|", "\\|");
}

/** A bullet list; continuation lines are indented so a multi-line item stays one item. */
export function bullets(items: readonly string[], marker = "-"): string {
  return items.map((item) => `${marker} ${indentContinuation(item.trim())}`).join("\n");
}

function indentContinuation(text: string): string {
  return text.replace(/\n/g, "\n  ");
}

const LANGUAGE_BY_EXTENSION: Readonly<Record<string, string>> = {
  ts: "ts",
  tsx: "tsx",
  mts: "ts",
  cts: "ts",
  js: "js",
  jsx: "jsx",
  mjs: "js",
  cjs: "js",
  py: "python",
  rs: "rust",
  go: "go",
  java: "java",
  kt: "kotlin",
  rb: "ruby",
  sh: "bash",
  c: "c",
  h: "c",
  cpp: "cpp",
  hpp: "cpp",
  cs: "csharp",
  swift: "swift",
  php: "php",
  sql: "sql",
};

/** The fence language for a file's signature, so it is highlighted like the file it lives in. */
export function languageOf(path: string): string {
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return path.includes(".") ? (LANGUAGE_BY_EXTENSION[extension] ?? "") : "";
}
