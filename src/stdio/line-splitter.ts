/** A line too long to keep: its size and the ends that may carry its JSON-RPC id. */
export interface OversizedLine {
  bytes: number;
  head: string;
  tail: string;
}

export type SplitLine = { text: string } | { oversized: OversizedLine };

/** How much of each end of an oversized line is kept to find its id. */
const END_BYTES = 4_096;

/**
 * Splits a byte stream into lines. Each chunk is scanned once for newlines and kept as it came,
 * so reading stays linear in the input; a line over `maxLineBytes` is dropped as it arrives
 * (only its two ends are kept) and reported in its place when its newline comes.
 */
export class LineSplitter {
  private chunks: Buffer[] = [];
  private size = 0;
  private skipped: { bytes: number; head: Buffer; tail: Buffer } | null = null;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      this.take(chunk.subarray(start, end));
      lines.push(this.finishLine());
      start = end + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
    return lines;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.skipped = null;
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (!this.skipped && this.size + piece.length <= this.maxLineBytes) {
      this.chunks.push(piece);
      this.size += piece.length;
      return;
    }
    if (!this.skipped) {
      this.skipped = {
        bytes: this.size,
        head: Buffer.concat([...this.chunks, piece], Math.min(this.size + piece.length, END_BYTES)),
        tail: lastBytes(Buffer.concat(lastChunks(this.chunks))),
      };
      this.chunks = [];
      this.size = 0;
    }
    this.skipped.bytes += piece.length;
    this.skipped.tail = lastBytes(Buffer.concat([lastBytes(this.skipped.tail), lastBytes(piece)]));
  }

  private finishLine(): SplitLine {
    const skipped = this.skipped;
    if (skipped) {
      this.skipped = null;
      return {
        oversized: {
          bytes: skipped.bytes,
          head: skipped.head.toString("utf8"),
          tail: skipped.tail.toString("utf8"),
        },
      };
    }
    const text = Buffer.concat(this.chunks, this.size).toString("utf8");
    this.chunks = [];
    this.size = 0;
    return { text: text.endsWith("\r") ? text.slice(0, -1) : text };
  }
}

/** The fewest trailing chunks that hold the last END_BYTES bytes. */
function lastChunks(chunks: Buffer[]): Buffer[] {
  let bytes = 0;
  let from = chunks.length;
  while (from > 0 && bytes < END_BYTES) bytes += chunks[--from]?.length ?? 0;
  return chunks.slice(from);
}

function lastBytes(buffer: Buffer): Buffer {
  return buffer.length > END_BYTES ? buffer.subarray(buffer.length - END_BYTES) : buffer;
}

const ID_VALUE = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
/** `{"id":…` or `{"jsonrpc":"2.0","id":…` at the start of a line. */
const ID_AT_HEAD = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}`,
);
/** `…,"id":…}` as the last member of the top-level object, where the SDK's clients put it. */
const ID_AT_TAIL = new RegExp(String.raw`,\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);

/** The JSON-RPC id of an oversized line when one of its ends shows it, else undefined. */
export function oversizedLineId(line: OversizedLine): string | number | undefined {
  const match = ID_AT_HEAD.exec(line.head) ?? ID_AT_TAIL.exec(line.tail.replace(/\r$/, ""));
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as string | number;
  } catch {
    return undefined;
  }
}
