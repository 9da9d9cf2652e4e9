import { readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";

/** A log's head and tail; `head + tail` is the whole log when nothing was skipped. */
export interface LogSample {
  /** Up to `headBytes` from the start, ending after a line break where one falls in them. */
  head: string;
  /** Up to `tailBytes` from the end, starting after a line break where one falls in them. */
  tail: string;
  /** The log's size. */
  bytes: number;
  /** Bytes between head and tail that were not read. */
  skippedBytes: number;
}

/**
 * Below this a log is read in one synchronous call: a fraction of a millisecond, where the
 * promise API's open/stat/read/close round trips through the thread pool cost more than that.
 */
const READ_AT_ONCE_BYTES = 256 * 1024;

/**
 * Reads a log of any size with bounded memory: whole when it fits in `headBytes + tailBytes`,
 * else its first `headBytes` and last `tailBytes`, each cut at a line break where it has one and
 * never inside a UTF-8 character.
 */
export async function readLogSample(
  file: string,
  headBytes: number,
  tailBytes: number,
): Promise<LogSample> {
  const room = Math.max(0, headBytes) + Math.max(0, tailBytes);
  if (statSync(file).size <= READ_AT_ONCE_BYTES) {
    // A log that grew since the stat is still read whole: at most what was written meanwhile.
    const whole = readFileSync(file);
    if (whole.length <= room) return wholeLog(whole);
  }
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size <= room) return wholeLog(await readAt(handle, 0, size));
    const head = await readAt(handle, 0, headBytes);
    const tail = await readAt(handle, size - tailBytes, tailBytes);
    const keptHead = head.subarray(0, headEnd(head));
    const keptTail = tail.subarray(tailStart(tail));
    return {
      head: keptHead.toString("utf8"),
      tail: keptTail.toString("utf8"),
      bytes: size,
      skippedBytes: size - keptHead.length - keptTail.length,
    };
  } finally {
    await handle.close();
  }
}

function wholeLog(content: Buffer): LogSample {
  return { head: "", tail: content.toString("utf8"), bytes: content.length, skippedBytes: 0 };
}

async function readAt(
  handle: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length));
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
  return buffer.subarray(0, bytesRead);
}

/** Where a head ends: after its last line break, else after its last whole character. */
function headEnd(head: Buffer): number {
  const newline = head.lastIndexOf(0x0a);
  if (newline !== -1) return newline + 1;
  for (let back = 1; back <= Math.min(4, head.length); back++) {
    const byte = head[head.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? head.length - back : head.length;
  }
  return head.length;
}

/** Where a tail starts: after its first line break, else at its first whole character. */
function tailStart(tail: Buffer): number {
  const newline = tail.indexOf(0x0a);
  if (newline !== -1 && newline < tail.length - 1) return newline + 1;
  let start = 0;
  // UTF-8 continuation bytes are 10xxxxxx: skip them to the next character's first byte.
  while (start < tail.length && ((tail[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return start;
}
