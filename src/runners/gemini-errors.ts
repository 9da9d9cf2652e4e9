import {
  type ErrorDetails,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIFetchError,
  GoogleGenerativeAIRequestInputError,
} from "@google/generative-ai";
import { errorMessage } from "../errors.js";

/** What a failed Gemini request means for the next step: wait and retry, cool down, or stop. */
export type GeminiFailure =
  | { kind: "per_minute"; status: 429; message: string; retryDelayMs: number | null }
  | { kind: "per_day"; status: 429; message: string; quotaId: string }
  | { kind: "server" | "rejected"; status: number; message: string }
  | { kind: "network" | "aborted"; message: string };

const QUOTA_FAILURE = "type.googleapis.com/google.rpc.QuotaFailure";
const RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";

/** The client starts every message with this; it says nothing the kind does not. */
const SDK_PREFIX = /^\[GoogleGenerativeAI Error\]: /;

export function classifyGeminiError(error: unknown): GeminiFailure {
  const message = errorMessage(error).replace(SDK_PREFIX, "");
  if (error instanceof GoogleGenerativeAIAbortError) return { kind: "aborted", message };
  if (error instanceof GoogleGenerativeAIFetchError && error.status !== undefined) {
    return classifyStatus(error.status, apiMessage(error), error.errorDetails ?? []);
  }
  if (error instanceof GoogleGenerativeAIRequestInputError) {
    return { kind: "rejected", status: 400, message };
  }
  // The client wraps a failed fetch (refused, reset, DNS) as "Error fetching from <url>: …".
  return { kind: "network", message };
}

function classifyStatus(status: number, message: string, details: ErrorDetails[]): GeminiFailure {
  if (status === 429) {
    // The API sends a short RetryInfo with per-day errors too, so only the quota id tells a
    // spent day from a busy minute.
    const perDay = quotaIds(details).find((id) => /PerDay/i.test(id));
    if (perDay) return { kind: "per_day", status, message, quotaId: perDay };
    return { kind: "per_minute", status, message, retryDelayMs: retryDelayMs(details) };
  }
  if (status >= 500) return { kind: "server", status, message };
  return { kind: "rejected", status, message };
}

function quotaIds(details: ErrorDetails[]): string[] {
  return details
    .filter((detail) => detail["@type"] === QUOTA_FAILURE)
    .flatMap((detail) => (Array.isArray(detail.violations) ? detail.violations : []))
    .flatMap((violation: unknown) => {
      const id = (violation as { quotaId?: unknown } | null)?.quotaId;
      return typeof id === "string" ? [id] : [];
    });
}

function retryDelayMs(details: ErrorDetails[]): number | null {
  const info = details.find((detail) => detail["@type"] === RETRY_INFO);
  return typeof info?.retryDelay === "string" ? parseDuration(info.retryDelay) : null;
}

/** A protobuf Duration in its JSON form: "37s", "1.5s", "0.250000000s". */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text.trim());
  return match?.[1] ? Math.round(Number(match[1]) * 1000) : null;
}

/**
 * The API's own message. The client prefixes "Error fetching from <url>: [429 Too Many
 * Requests] " and appends the details as JSON; the details are read separately, and the URL
 * would only repeat the model name.
 */
export function apiMessage(error: GoogleGenerativeAIFetchError): string {
  let message = error.message
    .replace(SDK_PREFIX, "")
    .replace(/^Error fetching from \S+: \[[^\]]*\] /, "");
  const details = error.errorDetails ? ` ${JSON.stringify(error.errorDetails)}` : "";
  if (details && message.endsWith(details)) message = message.slice(0, -details.length);
  return message.trim() || `HTTP ${error.status} ${error.statusText ?? ""}`.trim();
}
