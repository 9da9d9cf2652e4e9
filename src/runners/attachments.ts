import { readFile, realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { isInside } from "../paths.js";

export interface Attachment {
  path: string;
  content: string;
  bytes: number;
}

/** A prompt task's files could not be attached; the message names the file. */
export class AttachmentError extends Error {}

/**
 * Reads the files a prompt task names, so their contents reach the worker without passing
 * through the host. Each must resolve (symlinks included) inside one of `roots`; together they
 * stay under `maxBytes`.
 */
export async function readAttachments(
  paths: readonly string[],
  roots: readonly string[],
  maxBytes: number,
): Promise<Attachment[]> {
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => root)));
  const base = realRoots[0] ?? process.cwd();
  const attachments: Attachment[] = [];
  let total = 0;
  for (const path of paths) {
    const full = await realpath(resolve(base, path)).catch(() => {
      throw new AttachmentError(`files: '${path}' does not exist`);
    });
    if (!realRoots.some((root) => isInside(root, full))) {
      throw new AttachmentError(
        `files: '${path}' is outside the project (${realRoots.join(", ")}); only project files can be attached`,
      );
    }
    const info = await stat(full);
    if (!info.isFile()) throw new AttachmentError(`files: '${path}' is not a file`);
    total += info.size;
    if (total > maxBytes) {
      throw new AttachmentError(
        `files: together over ${maxBytes} bytes at '${path}' (squad.maxFileBytes); attach fewer or smaller files`,
      );
    }
    const buffer = await readFile(full);
    if (buffer.includes(0)) throw new AttachmentError(`files: '${path}' looks binary`);
    attachments.push({ path, content: buffer.toString("utf8"), bytes: info.size });
  }
  return attachments;
}

/** The prompt a worker sees: the task, then each file fenced and named. */
export function composePrompt(prompt: string, attachments: readonly Attachment[]): string {
  if (attachments.length === 0) return prompt;
  const files = attachments.map((file) => {
    const fence = file.content.includes("```") ? "````" : "```";
    return `File: ${file.path}\n${fence}\n${file.content}${file.content.endsWith("\n") ? "" : "\n"}${fence}`;
  });
  return `${prompt}\n\n${files.join("\n\n")}`;
}
