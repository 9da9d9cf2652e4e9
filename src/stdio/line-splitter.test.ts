import { describe, expect, it } from "vitest";
import { LineSplitter, oversizedLineId, type SplitLine } from "./line-splitter.js";

const LIMIT = 16;

function split(chunks: string[]): SplitLine[] {
  const splitter = new LineSplitter(LIMIT);
  return chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk)));
}

const cases: [name: string, chunks: string[], lines: SplitLine[]][] = [
  ["one line in one chunk", ["abc\n"], [{ text: "abc" }]],
  ["a line across chunks", ["ab", "c", "d\n"], [{ text: "abcd" }]],
  ["two lines in one chunk", ["a\nb\n"], [{ text: "a" }, { text: "b" }]],
  ["no newline yet", ["abc"], []],
  ["CRLF ends", ["abc\r\n"], [{ text: "abc" }]],
  ["a line at the limit", [`${"x".repeat(LIMIT)}\n`], [{ text: "x".repeat(LIMIT) }]],
  [
    "a line over the limit, then a good one",
    [`${"x".repeat(10)}`, `${"y".repeat(10)}\nok\n`],
    [
      {
        oversized: {
          bytes: 20,
          head: `${"x".repeat(10)}${"y".repeat(10)}`,
          tail: `${"x".repeat(10)}${"y".repeat(10)}`,
        },
      },
      { text: "ok" },
    ],
  ],
];

describe("LineSplitter", () => {
  it.each(cases)("%s", (_name, chunks, lines) => {
    expect(split(chunks)).toEqual(lines);
  });

  it("keeps only the ends of a long line, whatever its size", () => {
    const splitter = new LineSplitter(1_024);
    const lines: SplitLine[] = [];
    lines.push(...splitter.push(Buffer.from('{"method":"x","params":"')));
    for (let i = 0; i < 1_000; i++) lines.push(...splitter.push(Buffer.alloc(10_000, 97)));
    lines.push(...splitter.push(Buffer.from('","jsonrpc":"2.0","id":7}\n{"ok":1}\n')));
    expect(lines).toHaveLength(2);
    const [first] = lines;
    if (!first || !("oversized" in first)) throw new Error("expected an oversized line");
    expect(first.oversized.bytes).toBe(24 + 10_000_000 + 25);
    expect(first.oversized.head.length).toBeLessThanOrEqual(4_096);
    expect(first.oversized.tail.length).toBeLessThanOrEqual(4_096);
    expect(oversizedLineId(first.oversized)).toBe(7);
    expect(lines[1]).toEqual({ text: '{"ok":1}' });
  });
});

const ids: [line: { head: string; tail: string }, id: string | number | undefined][] = [
  [{ head: '{"jsonrpc":"2.0","id":3,"method":"x"', tail: "" }, 3],
  [{ head: '{"id":"a\\"b","method":"x"', tail: "" }, 'a"b'],
  [{ head: '{"method":"x","params":{', tail: 'aaa"},"jsonrpc":"2.0","id":12}' }, 12],
  [{ head: '{"method":"x","params":{', tail: 'aaa"},"jsonrpc":"2.0","id":-4}\r' }, -4],
  [{ head: '{"method":"x","params":{', tail: '"nested":{"id":5}}}' }, undefined],
  [{ head: '{"method":"notifications/x","params":{', tail: 'aaa"}}' }, undefined],
];

describe("oversizedLineId", () => {
  it.each(ids)("%j → %j", (line, id) => {
    expect(oversizedLineId({ bytes: 0, ...line })).toBe(id);
  });
});
