import { describe, expect, it } from "vitest";
import { stripControl, stripControlDeep, stripEscapes } from "./control.js";

const ESC = "\u001b";

/** Code points below 32 (but tab and newline), DEL and C1. */
function controlsIn(text: string): number[] {
  return [...text]
    .map((char) => char.codePointAt(0) ?? 0)
    .filter((code) => (code < 32 && code !== 9 && code !== 10) || (code >= 127 && code <= 159));
}

const cases: [name: string, input: string, shown: string][] = [
  ["plain text, tabs and newlines", "a\tb\nc", "a\tb\nc"],
  ["CSI colours", `${ESC}[31mred${ESC}[0m`, "red"],
  ["CSI with private parameters", `${ESC}[?25lhidden cursor${ESC}[?25h`, "hidden cursor"],
  ["C1 CSI (U+009B)", "\u009b2Jcleared\u009b0m", "cleared"],
  ["ESC c (reset)", `${ESC}cafter reset`, "after reset"],
  ["ESC 7 and ESC 8 (cursor save/restore)", `${ESC}7saved${ESC}8`, "saved"],
  ["ESC ( B (character set)", `${ESC}(Bascii`, "ascii"],
  ["OSC title ended by BEL", `${ESC}]0;evil title\u0007text`, "text"],
  ["OSC link ended by ST", `${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\`, "link"],
  ["C1 OSC ended by C1 ST", "\u009d0;title\u009ctext", "text"],
  ["DCS string", `${ESC}Pq#0;2;0;0;0${ESC}\\after`, "after"],
  [
    "an unterminated OSC keeps what follows",
    `${ESC}]0;no end\nFAILED test_x`,
    "0;no end\nFAILED test_x",
  ],
  ["carriage return, backspace, bell, NUL, DEL", "a\rb\bc\u0007d\u0000e\u007ff", "abcdef"],
  ["other C1 controls", "x\u0085y\u0080z\u009fw", "xyzw"],
  ["unicode text", "héllo — 🤖 ﷽", "héllo — 🤖 ﷽"],
];

describe("stripControl", () => {
  it.each(cases)("%s", (_name, input, shown) => {
    expect(stripControl(input)).toBe(shown);
  });

  it("leaves no control character but newline and tab in any of the cases", () => {
    for (const [, input] of cases) {
      expect(controlsIn(stripControl(input))).toEqual([]);
    }
  });

  it("removes a megabyte of escapes that never end", () => {
    expect(stripControl(`${ESC}]`.repeat(500_000))).toBe("");
  });
});

describe("stripEscapes", () => {
  it("keeps carriage returns for progress-bar handling", () => {
    expect(stripEscapes(`${ESC}[32m10%\r100%${ESC}[0m`)).toBe("10%\r100%");
  });
});

describe("stripControlDeep", () => {
  it("cleans every string in a nested value and keeps the rest", () => {
    expect(stripControlDeep({ a: [`${ESC}cx`, 1, null], b: { c: "\u009b1my", d: true } })).toEqual({
      a: ["x", 1, null],
      b: { c: "y", d: true },
    });
  });
});
