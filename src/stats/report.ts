import { COMMAND_WORKER, type WorkerConfig } from "../config.js";
import type { AppContext } from "../context.js";
import { UserInputError } from "../errors.js";
import { BASH_OUTPUT_CAP, type HostLedger, type StatsRow } from "../memory/stats.js";
import { duration } from "../text/duration.js";

/** USD per million tokens, as in the config. */
type Price = WorkerConfig["price"];

/** A worker × category row from the store, priced. */
export interface StatsReportRow extends StatsRow {
  /**
   * The row's outcome tokens at the worker's configured price (the host's price for the
   * `host` row; 0 for local models); null when the worker is no longer in the config.
   */
  estimated_cost_usd: number | null;
}

export interface StatsReport {
  /** Start of the window, ISO 8601 (UTC). */
  since: string;
  since_ms: number;
  generated_at: string;
  rows: StatsReportRow[];
  totals: {
    tasks: number;
    successes: number;
    squad_runs: number;
    model_calls: number;
    cloud_tokens_in: number;
    cloud_tokens_out: number;
    host_model: string;
    host_price: Price;
    cloud_spend_usd: number;
    /** What squad-mcp was worth to the host (gross), what it cost the host, and the net. */
    ledger: {
      gross: { read_avoided_tokens: number; write_avoided_tokens: number; usd: number };
      costs: {
        results_read_tokens: number;
        arguments_written_tokens: number;
        tool_definitions_tokens: number;
        cloud_spend_usd: number;
        usd: number;
      };
      net_usd: number;
    };
  };
  /** Model-call workers (non-ollama) missing from the config: left out of `cloud_spend_usd`. */
  unpriced_workers: string[];
  assumptions: string[];
}

/** Anthropic bills a prompt-cache read at a tenth of the input price. */
export const CACHE_READ_RATE = 0.1;
const CHARS_PER_TOKEN = 4;

export const ASSUMPTIONS: readonly string[] = [
  "tokens ≈ characters ÷ 4 throughout",
  `read avoided: each command's output as the host's own Bash tool would show it (at most ${BASH_OUTPUT_CAP.toLocaleString("en-US")} characters, Claude Code's default), plus files attached to prompts; priced as host input`,
  "write avoided: prompt answers that ended ok, and the added lines of patches apply_spec applied; priced as host output",
  "results read: every squad-mcp result as the host reads it (the larger of its JSON and its text); priced as host input",
  "arguments written: every squad-mcp call's arguments; priced as host output",
  `tool definitions: the tools/list JSON the host carries each turn, counted once per squad-mcp call (at least one turn each) as a cache read at ${CACHE_READ_RATE} × the input price`,
  "row tokens and estimated_cost_usd come from the outcome rows (per judged task); cloud spend comes from every model call, retries and validator calls included",
];

const PER_MILLION = 1_000_000;

/** Whole micro-dollars: no floating-point noise in JSON, exact enough for any bill. */
function usd(value: number): number {
  return Math.round(value * PER_MILLION) / PER_MILLION;
}

function cost(price: Price, tokensIn: number, tokensOut: number): number {
  return (tokensIn * price.input + tokensOut * price.output) / PER_MILLION;
}

/**
 * Usage, success and cost per worker × category since `sinceMs` (epoch ms), and the host's
 * ledger, JSON-ready. `definitionChars`: the size of squad-mcp's tools/list JSON.
 */
export function buildStats(ctx: AppContext, sinceMs: number, definitionChars: number): StatsReport {
  const { config } = ctx;
  const summary = ctx.store.stats.summary(sinceMs);
  const priceOf = (worker: string): Price | null =>
    worker === "host"
      ? config.host.price
      : worker === COMMAND_WORKER
        ? { input: 0, output: 0 }
        : (config.workers[worker]?.price ?? null);

  const rows = summary.rows.map((row) => {
    const price = priceOf(row.worker);
    return {
      ...row,
      estimated_cost_usd: price ? usd(cost(price, row.tokens_in, row.tokens_out)) : null,
    };
  });

  const unpriced = new Set<string>();
  let cloudSpend = 0;
  for (const call of summary.calls) {
    const price = config.workers[call.worker]?.price;
    if (price) cloudSpend += cost(price, call.tokens_in, call.tokens_out);
    else if (call.provider !== "ollama") unpriced.add(call.worker);
  }

  const { totals } = summary;
  // An OpenAI-compatible alias priced at zero is a local server (LM Studio, llama-server).
  const cloudCalls = summary.calls.filter((call) => {
    const price = config.workers[call.worker]?.price;
    return call.provider !== "ollama" && !(price && price.input === 0 && price.output === 0);
  });
  const ledger = priceLedger(totals.ledger, config.host.price, cloudSpend, definitionChars);
  return {
    since: new Date(sinceMs).toISOString(),
    since_ms: sinceMs,
    generated_at: new Date(ctx.now()).toISOString(),
    rows,
    totals: {
      tasks: rows.reduce((sum, row) => sum + row.tasks, 0),
      successes: rows.reduce((sum, row) => sum + row.successes, 0),
      squad_runs: totals.squad_runs,
      model_calls: totals.model_calls,
      cloud_tokens_in: cloudCalls.reduce((sum, call) => sum + call.tokens_in, 0),
      cloud_tokens_out: cloudCalls.reduce((sum, call) => sum + call.tokens_out, 0),
      host_model: config.host.model,
      host_price: { ...config.host.price },
      cloud_spend_usd: usd(cloudSpend),
      ledger,
    },
    unpriced_workers: [...unpriced].sort(),
    assumptions: [...ASSUMPTIONS],
  };
}

function priceLedger(
  counts: HostLedger,
  price: Price,
  cloudSpend: number,
  definitionChars: number,
): StatsReport["totals"]["ledger"] {
  const tokens = (chars: number) => Math.round(chars / CHARS_PER_TOKEN);
  const readAvoided = tokens(counts.read_avoided_chars);
  const writeAvoided = counts.answer_tokens + tokens(counts.written_chars);
  const resultsRead = tokens(counts.read_chars);
  const argumentsWritten = tokens(counts.args_chars);
  const definitions = tokens(definitionChars) * counts.tool_calls;
  const gross = (readAvoided * price.input + writeAvoided * price.output) / PER_MILLION;
  const costs =
    (resultsRead * price.input +
      argumentsWritten * price.output +
      definitions * price.input * CACHE_READ_RATE) /
      PER_MILLION +
    cloudSpend;
  return {
    gross: {
      read_avoided_tokens: readAvoided,
      write_avoided_tokens: writeAvoided,
      usd: usd(gross),
    },
    costs: {
      results_read_tokens: resultsRead,
      arguments_written_tokens: argumentsWritten,
      tool_definitions_tokens: definitions,
      cloud_spend_usd: usd(cloudSpend),
      usd: usd(costs),
    },
    net_usd: usd(gross - costs),
  };
}

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `30m`, `24h`, `7d`, `2w` → milliseconds. */
export function parseSince(text: string): number {
  const match = /^(\d+)([mhdw])$/.exec(text.trim());
  const amount = match ? Number(match[1]) : 0;
  const unit = match?.[2] ? UNIT_MS[match[2]] : undefined;
  if (!unit || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new UserInputError(
      "--since",
      `'${text}' is not a duration; use a positive whole number followed by m (minutes), h (hours), d (days) or w (weeks), e.g. 30m, 24h, 7d, 2w`,
    );
  }
  return amount * unit;
}

const count = (n: number) => n.toLocaleString("en-US");

function money(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  return `${sign}$${abs >= 1 ? abs.toFixed(2) : abs.toFixed(4)}`;
}

function latency(ms: number | null): string {
  if (ms === null) return "-";
  return duration(ms);
}

/** Columns: [heading, right-aligned?]. */
const COLUMNS: [string, boolean][] = [
  ["worker", false],
  ["category", false],
  ["tasks", true],
  ["eval", true],
  ["success", true],
  ["mean latency", true],
  ["tokens in", true],
  ["tokens out", true],
  ["est. cost", true],
];

/** A plain aligned table per worker × category, then the totals. */
export function renderStatsTable(stats: StatsReport): string {
  const lines = [`squad stats since ${stats.since}`, ""];
  if (stats.rows.length === 0) {
    lines.push(`no outcomes recorded since ${stats.since}`);
  } else {
    const cells = stats.rows.map((row) => [
      row.worker,
      row.category,
      count(row.tasks),
      count(row.evals),
      `${Math.round(row.success_rate * 100)}%`,
      latency(row.mean_latency_ms),
      count(row.tokens_in),
      count(row.tokens_out),
      row.estimated_cost_usd === null ? "unpriced" : money(row.estimated_cost_usd),
    ]);
    const table = [COLUMNS.map(([heading]) => heading), ...cells];
    const widths = COLUMNS.map((_, i) => Math.max(...table.map((line) => line[i]?.length ?? 0)));
    for (const line of table) {
      lines.push(
        line
          .map((cell, i) =>
            COLUMNS[i]?.[1] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
          )
          .join("  ")
          .trimEnd(),
      );
    }
  }
  const t = stats.totals;
  const rate = t.tasks ? ` (${Math.round((t.successes / t.tasks) * 100)}% success)` : "";
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(19)}${value}`);
  lines.push("", "totals");
  row("tasks", `${count(t.tasks)}${rate}`);
  row("squad runs", count(t.squad_runs));
  row("model calls", count(t.model_calls));
  row("cloud tokens", `${count(t.cloud_tokens_in)} in / ${count(t.cloud_tokens_out)} out`);
  const { gross, costs } = t.ledger;
  lines.push(
    "",
    `host ledger (${t.host_model}: $${t.host_price.input}/M in, $${t.host_price.output}/M out)`,
  );
  row(
    "gross",
    `${money(gross.usd)}: ${count(gross.read_avoided_tokens)} tokens not read, ${count(gross.write_avoided_tokens)} not written`,
  );
  row(
    "costs",
    `${money(costs.usd)}: ${count(costs.results_read_tokens)} tokens of results read, ${count(costs.arguments_written_tokens)} of arguments written, ${count(costs.tool_definitions_tokens)} of tool definitions (cached), ${money(costs.cloud_spend_usd)} cloud spend`,
  );
  row("net saving", money(t.ledger.net_usd));
  if (stats.unpriced_workers.length) {
    row("unpriced workers", `${stats.unpriced_workers.join(", ")} (not in the config; no cost)`);
  }
  return lines.join("\n");
}
