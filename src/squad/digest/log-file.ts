import { readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { digestOutput } from "./digest-output.js";
import type { Digest, DigestInput, DigestOptions } from "./types.js";

/** Enough of the start for banners and early errors; summaries and failure lists sit at the end. */
export const HEAD_BYTES = 64 * 1024;
export const TAIL_BYTES = 4 * 1024 * 1024;

interface LogSample {
  text: string;
  skippedBytes: number;
}

/**
 * Below this a log is read in one synchronous call: a fraction of a millisecond, where the
 * promise API's open/stat/read/close round trips through the thread pool cost more than that.
 */
const READ_AT_ONCE_BYTES = 256 * 1024;

/** Reads the head and tail of a log, cut at line breaks so no line arrives half-read. */
export async function sampleLog(path: string): Promise<LogSample> {
  if (statSync(path).size <= READ_AT_ONCE_BYTES) {
    // A log that grew since the stat is still read whole: at most what was written meanwhile.
    const whole = readFileSync(path);
    if (whole.length <= HEAD_BYTES + TAIL_BYTES)
      return { text: whole.toString("utf8"), skippedBytes: 0 };
  }
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    if (size <= HEAD_BYTES + TAIL_BYTES) {
      const whole = Buffer.alloc(size);
      const { bytesRead } = await file.read(whole, 0, size, 0);
      return { text: whole.subarray(0, bytesRead).toString("utf8"), skippedBytes: 0 };
    }
    const head = Buffer.alloc(HEAD_BYTES);
    await file.read(head, 0, HEAD_BYTES, 0);
    const tail = Buffer.alloc(TAIL_BYTES);
    await file.read(tail, 0, TAIL_BYTES, size - TAIL_BYTES);
    const headEnd = head.lastIndexOf(0x0a) + 1;
    const tailStart = tail.indexOf(0x0a) + 1;
    const keptHead = head.subarray(0, headEnd);
    const keptTail = tail.subarray(tailStart);
    const skippedBytes = size - keptHead.length - keptTail.length;
    const marker = `[… ${skippedBytes} bytes of log not read …]\n`;
    return {
      text: `${keptHead.toString("utf8")}${marker}${keptTail.toString("utf8")}`,
      skippedBytes,
    };
  } finally {
    await file.close();
  }
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
