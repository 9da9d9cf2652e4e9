/**
 * A fake Ollama server that speaks the public HTTP protocol closely enough for the real
 * `ollama` npm client (and our code on top of it) to run unmodified against it.
 *
 * Shapes follow ollama/ollama docs/api.md and server/routes.go, checked against what
 * ollama-js (src/browser.ts, src/utils.ts) parses: NDJSON streams that end with a
 * `done: true` chunk carrying the stats, `{"error": "..."}` bodies with real status codes,
 * and the load/unload replies for empty requests. What the fake simulates beyond shapes:
 * load time, a memory (or count) limit on loaded models with LRU eviction, models staying
 * loaded while a request uses them, keep_alive expiry, context truncation, slow tokens,
 * outages and scripted replies.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeModel {
  name: string;
  sizeBytes?: number;
  /** The context the model was trained for; a larger `num_ctx` is cut down to it. */
  contextLength?: number;
  family?: string;
  parameterSize?: string;
}

export interface FakeChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  prompt?: string;
  format?: unknown;
  options?: Record<string, unknown>;
  keep_alive?: unknown;
  stream: boolean;
  endpoint: "chat" | "generate";
}

/**
 * A string is the model's answer. In the object form, `status` (other than 200) fails the
 * request with that HTTP status before any output; `error` without `status` fails the way a
 * model fails while generating: mid-stream `{"error"}` line when streaming, 500 otherwise.
 */
export type FakeReply =
  | string
  | { content: string; delayMs?: number; status?: number; error?: string };

export interface FakeOllamaOptions {
  models?: FakeModel[];
  memoryBytes?: number;
  maxLoadedModels?: number;
  loadTimeMs?: number;
  tokensPerSecond?: number;
  reply?: (req: FakeChatRequest) => FakeReply | Promise<FakeReply>;
  port?: number;
  version?: string;
  /** `num_ctx` when a request gives none (default 2048, the long-standing Ollama default). */
  defaultNumCtx?: number;
}

export interface FakeOllama {
  url: string;
  requests: { method: string; path: string; body: unknown; at: number }[];
  loads: string[];
  loaded(): string[];
  script(model: string, replies: FakeReply[]): void;
  setDown(down: boolean): void;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export const DEFAULT_FAKE_MODEL: Required<FakeModel> = {
  name: "qwen2.5-coder:1.5b",
  sizeBytes: 986_000_000,
  contextLength: 32_768,
  family: "qwen2",
  parameterSize: "1.5B",
};

/** Crude tokenizer: about four characters per token, as for English text and code. */
export const CHARS_PER_TOKEN = 4;
/** Tokens a chat template adds around each message (role markers, separators). */
export const TEMPLATE_TOKENS_PER_MESSAGE = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;
const FOREVER_MS = 292 * 365 * 24 * 3600_000; // Go's max time.Duration, what a negative keep_alive means

interface CatalogModel extends Required<FakeModel> {
  digest: string;
}

interface Slot {
  model: CatalogModel;
  numCtx: number;
  refs: number;
  lastUsed: number;
  keepAliveMs: number;
  expiresAt: number;
  ready: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  /** Unload as soon as the last user releases it (keep_alive 0 while busy, or an outage). */
  doomed: boolean;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Ollama names without a tag mean `:latest`, and names are matched case-insensitively. */
function canonicalName(name: string): string {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return (base.includes(":") ? name : `${name}:latest`).toLowerCase();
}

/** keep_alive as Ollama reads it: a number of seconds or a Go duration; negative = forever. */
function parseKeepAlive(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_KEEP_ALIVE_MS;
  if (typeof value === "number") return value < 0 ? FOREVER_MS : value * 1000;
  if (typeof value !== "string") throw new RequestError(400, "invalid keep_alive");
  if (/^-?\d+(\.\d+)?$/.test(value)) return parseKeepAlive(Number(value));
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1e3,
    m: 6e4,
    h: 36e5,
  };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value.replace(/^-/, "")) {
    throw new RequestError(400, `time: invalid duration "${value}"`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? "s"] ?? 0), 0);
  return value.startsWith("-") ? FOREVER_MS : ms;
}

function humanBytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * What a real server reports as prompt_eval_count. For chat, the server first drops whole
 * messages from the start (keeping system messages and always the last message) until the
 * templated prompt fits num_ctx (server/prompt.go chatPrompt). Whatever is still too long is
 * cut by the runner to exactly num_ctx tokens, keeping the start and the end (runner
 * "truncating input prompt"), so an overlong single prompt reports prompt_eval_count ==
 * num_ctx. Newer llama-server based engines cut to about half the context instead, so
 * callers should compare the count against their own estimate, not only test == num_ctx.
 */
function promptEvalCount(
  messages: { role: string; content: string }[],
  numCtx: number,
  perMessageOverhead: number,
): number {
  const cost = (list: { content: string }[]) =>
    list.reduce((sum, m) => sum + estimateTokens(m.content) + perMessageOverhead, 0);
  let kept = messages;
  for (let i = 0; i < messages.length; i++) {
    const systems = messages.slice(0, i).filter((m) => m.role === "system");
    kept = [...systems, ...messages.slice(i)];
    if (cost(kept) <= numCtx) break;
  }
  return Math.min(cost(kept), numCtx);
}

function toCatalog(model: FakeModel): CatalogModel {
  const full = { ...DEFAULT_FAKE_MODEL, ...model, name: canonicalName(model.name) };
  return { ...full, digest: createHash("sha256").update(full.name).digest("hex") };
}

function details(model: CatalogModel) {
  return {
    parent_model: "",
    format: "gguf",
    family: model.family,
    families: [model.family],
    parameter_size: model.parameterSize,
    quantization_level: "Q4_K_M",
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** Waits `ms`, or less if the response closes first (the client went away). */
function pause(ms: number, res?: ServerResponse): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res?.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res?.once("close", done);
  });
}

function parseMessages(value: unknown): { role: string; content: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RequestError(400, "messages must be an array");
  return value.map((m: unknown) => {
    if (!isRecord(m) || typeof m.role !== "string") {
      throw new RequestError(400, "invalid message: role is required");
    }
    return { role: m.role, content: typeof m.content === "string" ? m.content : "" };
  });
}

export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const catalog = new Map<string, CatalogModel>();
  for (const m of options.models ?? [DEFAULT_FAKE_MODEL]) {
    const model = toCatalog(m);
    catalog.set(model.name, model);
  }
  const memoryBytes = options.memoryBytes ?? Number.POSITIVE_INFINITY;
  const maxLoaded = options.maxLoadedModels ?? Number.POSITIVE_INFINITY;
  const loadTimeMs = options.loadTimeMs ?? 0;
  const defaultNumCtx = options.defaultNumCtx ?? 2048;
  const version = options.version ?? "0.12.6";
  const startedAt = Date.now();

  const requests: FakeOllama["requests"] = [];
  const loads: string[] = [];
  const slots = new Map<string, Slot>(); // insertion order = load order
  const scripts = new Map<string, FakeReply[]>();
  const inFlight = new Set<ServerResponse>();
  let waiters: (() => void)[] = [];
  let down = false;
  let extraDelayMs = 0;
  let closed = false;

  const notify = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  const unload = (name: string) => {
    const slot = slots.get(name);
    if (!slot) return;
    clearTimeout(slot.timer);
    slots.delete(name);
    notify();
  };

  /** Idle models to unload so `model` fits, least recently used first; undefined if it cannot fit yet. */
  const planEviction = (model: CatalogModel): string[] | undefined => {
    let used = [...slots.values()].reduce((sum, s) => sum + s.model.sizeBytes, 0);
    let count = slots.size;
    const idle = [...slots.values()]
      .filter((s) => s.refs === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    const victims: string[] = [];
    while (used + model.sizeBytes > memoryBytes || count + 1 > maxLoaded) {
      const next = idle.shift();
      if (!next) return undefined;
      victims.push(next.model.name);
      used -= next.model.sizeBytes;
      count--;
    }
    return victims;
  };

  /**
   * Takes a reference on a loaded copy of `model`, loading it first if needed. Like the real
   * scheduler, a model in use is never unloaded: a request that needs its memory (or the same
   * model with another num_ctx, which forces a reload) waits until it is released.
   */
  const acquire = async (model: CatalogModel, numCtx: number): Promise<Slot> => {
    if (model.sizeBytes > memoryBytes) {
      throw new RequestError(
        500,
        `model requires more system memory (${humanBytes(model.sizeBytes)}) than is available (${humanBytes(memoryBytes)})`,
      );
    }
    for (;;) {
      if (closed) throw new RequestError(500, "server shutting down");
      const slot = slots.get(model.name);
      if (slot && slot.numCtx === numCtx) {
        slot.refs++;
        clearTimeout(slot.timer);
        await slot.ready;
        return slot;
      }
      if (slot && slot.refs === 0) {
        unload(model.name);
        continue;
      }
      const victims = slot ? undefined : planEviction(model);
      if (victims) {
        for (const name of victims) unload(name);
        const fresh: Slot = {
          model,
          numCtx,
          refs: 1,
          lastUsed: Date.now(),
          keepAliveMs: DEFAULT_KEEP_ALIVE_MS,
          expiresAt: Date.now() + DEFAULT_KEEP_ALIVE_MS,
          ready: pause(loadTimeMs),
          timer: undefined,
          doomed: false,
        };
        slots.set(model.name, fresh);
        loads.push(model.name);
        await fresh.ready;
        return fresh;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  const release = (slot: Slot, keepAliveMs: number) => {
    slot.refs--;
    slot.lastUsed = Date.now();
    slot.keepAliveMs = keepAliveMs;
    slot.expiresAt = Date.now() + keepAliveMs;
    if (slot.refs === 0 && slots.get(slot.model.name) === slot) {
      if (keepAliveMs <= 0 || slot.doomed) {
        unload(slot.model.name);
      } else if (keepAliveMs < 2 ** 31) {
        // Longer waits overflow Node timers; nobody's test runs for 24 days.
        slot.timer = setTimeout(() => unload(slot.model.name), keepAliveMs);
        slot.timer.unref();
      }
    }
    notify();
  };

  const nextReply = async (req: FakeChatRequest, model: CatalogModel): Promise<FakeReply> => {
    const queued = scripts.get(model.name)?.shift();
    if (queued !== undefined) return queued;
    if (options.reply) return options.reply(req);
    if (req.format !== undefined) return "{}";
    const lastUser = [...req.messages].reverse().find((m) => m.role === "user");
    return `Fake answer from ${req.model}: ${(lastUser?.content ?? "").slice(0, 40)}`;
  };

  const lookup = (name: string): CatalogModel => {
    const model = catalog.get(canonicalName(name));
    if (!model)
      throw new RequestError(404, `model ${JSON.stringify(name)} not found, try pulling it first`);
    return model;
  };

  const handleCompletion = async (
    endpoint: "chat" | "generate",
    body: unknown,
    res: ServerResponse,
  ): Promise<void> => {
    const started = Date.now();
    if (!isRecord(body)) throw new RequestError(400, "missing request body");
    if (typeof body.model !== "string" || body.model === "") {
      throw new RequestError(400, "model is required");
    }
    const name = body.model;
    const model = lookup(name);
    const keepAliveMs = parseKeepAlive(body.keep_alive);
    const opts = isRecord(body.options) ? body.options : undefined;
    const requestedCtx = typeof opts?.num_ctx === "number" ? opts.num_ctx : defaultNumCtx;
    const numCtx = Math.min(requestedCtx, model.contextLength);
    const stream = body.stream !== false; // the server streams unless told not to
    const prompt = typeof body.prompt === "string" ? body.prompt : "";
    const messages =
      endpoint === "chat"
        ? parseMessages(body.messages)
        : [
            ...(typeof body.system === "string" ? [{ role: "system", content: body.system }] : []),
            ...(prompt ? [{ role: "user", content: prompt }] : []),
          ];
    const createdAt = () => rfc3339(Date.now());
    const emptyMessage = { role: "assistant", content: "" };

    // An empty request only loads (or, with keep_alive 0, unloads) the model.
    if (
      (endpoint === "chat" && messages.length === 0) ||
      (endpoint === "generate" && prompt === "")
    ) {
      let doneReason = "unload";
      if (keepAliveMs <= 0) {
        const slot = slots.get(model.name);
        if (slot && slot.refs === 0) unload(model.name);
        else if (slot) slot.doomed = true;
      } else {
        release(await acquire(model, numCtx), keepAliveMs);
        doneReason = "load";
      }
      const head = { model: name, created_at: createdAt() };
      const reply =
        endpoint === "chat"
          ? { ...head, message: emptyMessage, done_reason: doneReason, done: true }
          : { ...head, response: "", done: true, done_reason: doneReason };
      sendJson(res, 200, reply);
      return;
    }

    const request: FakeChatRequest = {
      model: name,
      messages,
      ...(endpoint === "generate" ? { prompt } : {}),
      ...(body.format !== undefined ? { format: body.format } : {}),
      ...(opts ? { options: opts } : {}),
      ...(body.keep_alive !== undefined ? { keep_alive: body.keep_alive } : {}),
      stream,
      endpoint,
    };

    const slot = await acquire(model, numCtx);
    try {
      const loadedAt = Date.now();
      if (res.destroyed) return;
      const raw = await nextReply(request, model);
      const reply = typeof raw === "string" ? { content: raw } : raw;
      await pause(reply.delayMs ?? 0, res);
      if (res.destroyed) return;
      if (reply.status !== undefined && reply.status !== 200) {
        sendError(res, reply.status, reply.error ?? `status ${reply.status}`);
        return;
      }
      if (reply.error !== undefined && !stream) {
        sendError(res, 500, reply.error);
        return;
      }

      const rawMode = body.raw === true; // raw prompts skip the template
      const promptTokens = promptEvalCount(
        messages,
        numCtx,
        rawMode ? 0 : TEMPLATE_TOKENS_PER_MESSAGE,
      );
      const chars = Array.from(reply.content);
      let tokens: string[] = [];
      for (let i = 0; i < chars.length; i += CHARS_PER_TOKEN) {
        tokens.push(chars.slice(i, i + CHARS_PER_TOKEN).join(""));
      }
      let doneReason = "stop";
      const numPredict = typeof opts?.num_predict === "number" ? opts.num_predict : -1;
      if (numPredict >= 0 && tokens.length > numPredict) {
        tokens = tokens.slice(0, numPredict);
        doneReason = "length";
      }
      const evalStart = Date.now();
      const tokenDelayMs = options.tokensPerSecond ? 1000 / options.tokensPerSecond : 0;
      const chunk = (text: string) =>
        endpoint === "chat"
          ? {
              model: name,
              created_at: createdAt(),
              message: { role: "assistant", content: text },
              done: false,
            }
          : { model: name, created_at: createdAt(), response: text, done: false };

      if (stream) {
        res.writeHead(200, { "Content-Type": "application/x-ndjson" });
        for (const token of tokens) {
          await pause(tokenDelayMs, res);
          if (res.destroyed) return;
          res.write(`${JSON.stringify(chunk(token))}\n`);
        }
        if (reply.error !== undefined) {
          res.end(`${JSON.stringify({ error: reply.error })}\n`);
          return;
        }
      } else {
        await pause(tokenDelayMs * tokens.length, res);
        if (res.destroyed) return;
      }

      const ns = (ms: number) => Math.max(1, Math.round(ms * 1e6));
      const end = Date.now();
      const stats = {
        total_duration: ns(end - started),
        load_duration: ns(loadedAt - started),
        prompt_eval_count: promptTokens,
        prompt_eval_duration: ns(evalStart - loadedAt),
        eval_count: Math.max(1, tokens.length),
        eval_duration: ns(end - evalStart),
      };
      const text = stream ? "" : tokens.join("");
      const final =
        endpoint === "chat"
          ? {
              model: name,
              created_at: createdAt(),
              message: { role: "assistant", content: text },
              done_reason: doneReason,
              done: true,
              ...stats,
            }
          : {
              model: name,
              created_at: createdAt(),
              response: text,
              done: true,
              done_reason: doneReason,
              ...(rawMode ? {} : { context: [1, 2, 3] }),
              ...stats,
            };
      if (stream) res.end(`${JSON.stringify(final)}\n`);
      else sendJson(res, 200, final);
    } finally {
      release(slot, keepAliveMs);
    }
  };

  const route = async (method: string, path: string, body: unknown, res: ServerResponse) => {
    const get = method === "GET" || method === "HEAD";
    if (get && path === "/") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": 17 });
      res.end(method === "HEAD" ? undefined : "Ollama is running");
      return;
    }
    if (get && path === "/api/version") return sendJson(res, 200, { version });
    if (get && path === "/api/tags") {
      return sendJson(res, 200, {
        models: [...catalog.values()].map((m) => ({
          name: m.name,
          model: m.name,
          modified_at: rfc3339(startedAt),
          size: m.sizeBytes,
          digest: m.digest,
          details: details(m),
        })),
      });
    }
    if (get && path === "/api/ps") {
      return sendJson(res, 200, {
        models: [...slots.values()].map((s) => ({
          name: s.model.name,
          model: s.model.name,
          size: s.model.sizeBytes,
          digest: s.model.digest,
          details: details(s.model),
          expires_at: rfc3339(s.refs > 0 ? Date.now() + s.keepAliveMs : s.expiresAt),
          size_vram: s.model.sizeBytes,
          context_length: s.numCtx,
        })),
      });
    }
    if (method === "POST" && path === "/api/show") {
      const name = isRecord(body) ? (body.model ?? body.name) : undefined;
      if (typeof name !== "string" || name === "") throw new RequestError(400, "model is required");
      const m = catalog.get(canonicalName(name));
      if (!m) throw new RequestError(404, `model '${name}' not found`);
      return sendJson(res, 200, {
        license: "",
        modelfile: `# Modelfile generated by "ollama show"\nFROM ${m.name}\n`,
        parameters: 'stop                           "<|im_end|>"',
        template:
          "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}",
        details: details(m),
        model_info: {
          "general.architecture": m.family,
          "general.parameter_count": Math.round(Number.parseFloat(m.parameterSize) * 1e9) || 0,
          [`${m.family}.context_length`]: m.contextLength,
        },
        capabilities: ["completion"],
        modified_at: rfc3339(startedAt),
      });
    }
    if (method === "POST" && path === "/api/chat") return handleCompletion("chat", body, res);
    if (method === "POST" && path === "/api/generate")
      return handleCompletion("generate", body, res);
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("404 page not found");
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    // A client that hangs up mid-response must not take the server down.
    res.on("error", () => {});
    req.on("error", () => {});
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    requests.push({ method, path, body, at: Date.now() });
    if (down) {
      req.socket.destroy();
      return;
    }
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    try {
      await pause(extraDelayMs, res);
      if (res.destroyed) return;
      if (method === "POST" && text !== "" && typeof body === "string") {
        throw new RequestError(400, "invalid character in request body");
      }
      await route(method, path, body, res);
    } catch (err) {
      if (err instanceof RequestError) sendError(res, err.status, err.message);
      else sendError(res, 500, err instanceof Error ? err.message : String(err));
    }
  };

  const server = createServer((req, res) => {
    void onRequest(req, res).catch(() => res.destroy());
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        loads,
        loaded: () => [...slots.keys()],
        script(model, replies) {
          const key = canonicalName(model);
          scripts.set(key, [...(scripts.get(key) ?? []), ...replies]);
        },
        setDown(value) {
          down = value;
          if (value) {
            // An outage is the server process going away: answers in progress are cut off
            // and, like after a restart, nothing is loaded any more.
            for (const res of inFlight) res.socket?.destroy();
            for (const slot of [...slots.values()]) {
              if (slot.refs === 0) unload(slot.model.name);
              else slot.doomed = true;
            }
          }
        },
        setDelay(ms) {
          extraDelayMs = ms;
        },
        close() {
          closed = true;
          for (const slot of slots.values()) clearTimeout(slot.timer);
          notify();
          return new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
        },
      });
    });
  });
}

/** The user messages `fake` received for `model` since request number `since`, oldest first. */
export function userPrompts(fake: FakeOllama, model: string, since = 0): string[] {
  return fake.requests
    .slice(since)
    .filter((request) => request.path === "/api/chat")
    .map(
      (request) => request.body as { model: string; messages: { role: string; content: string }[] },
    )
    .filter((body) => body.model === model)
    .map((body) =>
      body.messages
        .filter((message) => message.role === "user")
        .map((message) => message.content)
        .join("\n"),
    );
}
