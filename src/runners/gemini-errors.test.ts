import { GoogleGenerativeAIFetchError } from "@google/generative-ai";
import { describe, expect, it } from "vitest";
import { classifyGeminiError, parseDuration } from "./gemini-errors.js";

const quotaError = (quotaId: string, retryDelay?: string) =>
  new GoogleGenerativeAIFetchError("[429 Too Many Requests] quota", 429, "Too Many Requests", [
    {
      "@type": "type.googleapis.com/google.rpc.QuotaFailure",
      violations: [{ quotaMetric: "m", quotaId }],
    },
    ...(retryDelay ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay }] : []),
  ]);

describe("reading Gemini errors", () => {
  it("parses protobuf durations", () => {
    expect(parseDuration("37s")).toBe(37_000);
    expect(parseDuration("1.5s")).toBe(1_500);
    expect(parseDuration("0.250000000s")).toBe(250);
    expect(parseDuration("soon")).toBeNull();
  });

  it("tells a spent day from a busy minute by quotaId, whatever RetryInfo says", () => {
    expect(
      classifyGeminiError(quotaError("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "12s")),
    ).toMatchObject({ kind: "per_day" });
    expect(
      classifyGeminiError(quotaError("GenerateContentInputTokensPerModelPerMinute-FreeTier", "3s")),
    ).toMatchObject({ kind: "per_minute", retryDelayMs: 3_000 });
    // A bare 429 with no details is treated as a busy minute, retried with backoff.
    const bare = new GoogleGenerativeAIFetchError("[429 Too Many Requests] busy", 429);
    expect(classifyGeminiError(bare)).toMatchObject({ kind: "per_minute", retryDelayMs: null });
  });
});
