import { describe, expect, it } from "vitest";
import { chatMessages, estimatePromptTokens, promptWasCut } from "./ollama-chat.js";

describe("promptWasCut", () => {
  it("sees a cut when the estimate or the count reaches num_ctx", () => {
    expect(promptWasCut(5_000, 4_096, 4_096)).toBe(true);
    expect(promptWasCut(3_000, 4_096, 4_096)).toBe(true);
    expect(promptWasCut(3_000, 2_990, 4_096)).toBe(false);
  });

  it("sees a cut to half the context, as newer engines do, when the estimate was above half", () => {
    expect(promptWasCut(3_500, 2_048, 4_096)).toBe(true);
  });

  it("does not read a small count from a prompt-cache hit as a cut", () => {
    expect(promptWasCut(3_500, 40, 4_096)).toBe(false);
  });
});

describe("estimatePromptTokens", () => {
  it("counts four characters a token plus the template around each message", () => {
    const messages = chatMessages("be brief", "x".repeat(400));
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(estimatePromptTokens(messages)).toBe(2 + 4 + 100 + 4);
  });
});
