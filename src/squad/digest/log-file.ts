import { readLogSample } from "../../runners/log-reader.js";
import { digestOutput } from "./digest-output.js";
import type { Digest, DigestInput, DigestOptions } from "./types.js";

/** Enough of the start for banners and early errors; summaries and failure lists sit at the end. */
export const HEAD_BYTES = 64 * 1024;
export const TAIL_BYTES = 4 * 1024 * 1024;

interface LogSample {
  text: string;
  skippedBytes: number;
}

/** Reads the head and tail of a log, cut at line breaks so no line arrives half-read. */
export async function sampleLog(path: string): Promise<LogSample> {
  const { head, tail, skippedBytes } = await readLogSample(path, HEAD_BYTES, TAIL_BYTES);
  if (skippedBytes === 0) return { text: head + tail, skippedBytes };
  return { text: `${head}[… ${skippedBytes} bytes of log not read …]\n${tail}`, skippedBytes };
}

/**
 * Digests a log of any size (200 MB included) with bounded memory: its head and tail only.
 * `knownBytes` 0 (the caller measured an empty log) spares reading it.
 */
export async function digestLogFile(
  path: string,
  input: Omit<DigestInput, "output">,
  options: DigestOptions,
  knownBytes?: number,
): Promise<Digest> {
  const sample = knownBytes === 0 ? { text: "", skippedBytes: 0 } : await sampleLog(path);
  const omittedBytes = (input.omittedBytes ?? 0) + sample.skippedBytes;
  return digestOutput({ ...input, output: sample.text, omittedBytes }, options);
}
