import type { CoderFile } from "./coder-files.js";
import { fence, languageOf } from "./markdown.js";

/** What a coder model answers for one attempt: whole files, and what it could not do. */
export interface CoderAnswer {
  files: CoderFile[];
  blockers: string[];
  deviations: string[];
}

/** A file to MODIFY as it stands at HEAD, shown to the coder so it rewrites what exists. */
export interface CurrentFile {
  path: string;
  content: string;
  /** True when only the first part of a large file is shown. */
  truncated: boolean;
}

/** Why the previous attempt failed, carried into the next prompt. */
export interface PreviousFailure {
  attempt: number;
  /** What went wrong, in one line: "verification failed (exit 1)". */
  summary: string;
  /** The verification digest, or the problem with the answer. */
  details: string;
}

export interface CoderPromptInput {
  /** The Code Spec's Markdown; it carries the read-only context section. */
  specMarkdown: string;
  currentFiles: readonly CurrentFile[];
  previous?: PreviousFailure | undefined;
}

export const CODER_SYSTEM = [
  "You are a coder implementing a Code Spec written by an architect.",
  "Follow the spec exactly: change only the files it lists, with the action it gives, and respect every constraint and guardrail.",
  "Answer ONLY with JSON of the form",
  '{"files":[{"path":"…","action":"NEW|MODIFY|DELETE","content":"…"}],"blockers":["…"],"deviations":["…"]}',
  "Each `content` is the WHOLE file after your change (an empty string for DELETE), never a diff or an excerpt.",
  "Paths are exactly the ones in the spec, relative to the project root.",
  "Where the spec leaves a decision open, write a `// TODO(architect): …` marker (in the file's comment syntax) and keep going.",
  "`blockers` lists what stopped you from implementing part of the spec; `deviations` lists every way you departed from it. Leave them empty when there are none.",
].join("\n");

/** The answer's JSON schema: Ollama's `format` and Gemini's `responseSchema` both accept it. */
export const CODER_ANSWER_SCHEMA: Record<string, unknown> = {
  type: "object",
  properties: {
    files: {
      type: "array",
      items: {
        type: "object",
        properties: {
          path: { type: "string" },
          action: { type: "string", enum: ["NEW", "MODIFY", "DELETE"] },
          content: { type: "string" },
        },
        required: ["path", "action", "content"],
      },
    },
    blockers: { type: "array", items: { type: "string" } },
    deviations: { type: "array", items: { type: "string" } },
  },
  required: ["files", "blockers", "deviations"],
};

export function buildCoderPrompt(input: CoderPromptInput): string {
  const sections = ["Implement this Code Spec.", input.specMarkdown.trim()];
  if (input.currentFiles.length > 0) {
    sections.push(
      [
        "# Current contents of the files to MODIFY (at HEAD)",
        ...input.currentFiles.map(currentFileBlock),
      ].join("\n\n"),
    );
  }
  if (input.previous) sections.push(previousFailureBlock(input.previous));
  sections.push("Answer with the JSON object only.");
  return sections.join("\n\n");
}

function currentFileBlock(file: CurrentFile): string {
  const note = file.truncated ? " (too large: only its beginning is shown)" : "";
  return `## ${file.path}${note}\n\n${fence(file.content, languageOf(file.path))}`;
}

function previousFailureBlock(previous: PreviousFailure): string {
  return [
    `# Your previous attempt (${previous.attempt}) failed: ${previous.summary}`,
    fence(previous.details.trim() || "(no output)", "text"),
    "Find the cause and answer again with the complete files; the worktree starts again from HEAD, so include every file you change.",
  ].join("\n\n");
}

export type ParsedAnswer = { ok: true; answer: CoderAnswer } | { ok: false; problem: string };

/**
 * Reads a coder's answer. Models asked for JSON still sometimes wrap it in one Markdown fence,
 * which is removed; anything else that is not the expected object is refused with the reason.
 * Actions are passed through as written: writeCoderFiles judges them against the spec.
 */
export function parseCoderAnswer(text: string): ParsedAnswer {
  let value: unknown;
  try {
    value = JSON.parse(stripFence(text));
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message})` };
  }
  if (!isRecord(value)) return { ok: false, problem: "not a JSON object" };
  if (!Array.isArray(value.files)) return { ok: false, problem: '"files" is not an array' };
  const files: CoderFile[] = [];
  for (const [index, file] of value.files.entries()) {
    if (!isRecord(file) || typeof file.path !== "string" || typeof file.action !== "string") {
      return { ok: false, problem: `files[${index}] lacks a string "path" or "action"` };
    }
    const action = file.action.trim().toUpperCase() as CoderFile["action"];
    if (action !== "DELETE" && typeof file.content !== "string") {
      return { ok: false, problem: `files[${index}] ("${file.path}") has no string "content"` };
    }
    const content = typeof file.content === "string" ? file.content : "";
    files.push({ path: file.path, action, content });
  }
  return {
    ok: true,
    answer: {
      files,
      blockers: stringList(value.blockers),
      deviations: stringList(value.deviations),
    },
  };
}

function stripFence(text: string): string {
  const trimmed = text.trim();
  const match = /^(`{3,})[^\n]*\n([\s\S]*?)\n?\1\s*$/.exec(trimmed);
  return match ? (match[2] ?? "") : trimmed;
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((item): item is string => typeof item === "string")
    .map((item) => item.trim())
    .filter(Boolean);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
