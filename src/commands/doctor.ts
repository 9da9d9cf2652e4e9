import { sep } from "node:path";
import { apiTarget, geminiApiKey, type WorkerConfig } from "../config.js";
import type { AppContext } from "../context.js";
import { errorMessage } from "../errors.js";
import type { DatabaseHealth } from "../memory/health.js";
import { quotaDay } from "../memory/quota.js";
import { shippedSkillsDir } from "../package-files.js";
import { probeSandbox } from "../runners/sandbox.js";
import { describeMcpConfig, findMcpConfigs } from "./mcp-configs.js";
import { describeSkillStatus, shippedSkillsStatus } from "./skill-status.js";

const REGISTER_HINT = "run squad-mcp init, or: claude mcp add squad -- squad-mcp";

/** The report's lines: a label, its value, and further values under it without a label. */
class ReportLines {
  readonly lines: string[] = [];
  row(label: string, value: string): void {
    this.lines.push(`${label.padEnd(10)}${value}`);
  }
  more(value: string): void {
    this.lines.push(`${"".padEnd(10)}${value}`);
  }
  rows(label: string, values: readonly string[]): void {
    for (const [index, value] of values.entries()) {
      if (index === 0) this.row(label, value);
      else this.more(value);
    }
  }
}

/** A plain report of what squad-mcp can use right now, and why not where it cannot. */
export async function doctorReport(ctx: AppContext): Promise<string> {
  const out = new ReportLines();
  out.row(
    "config",
    ctx.configSource ?? "embedded defaults (no squad.config.json, no $SQUAD_HOME/config.json)",
  );
  if (ctx.storeProblem) out.row("database", `NOT USABLE: ${ctx.storeProblem.message}`);
  else describeDatabase(ctx, out);
  const snapshot = await ctx.availability.snapshot();
  out.rows("ollama", snapshot.ollama.map(describeOllamaHost));
  describeApiKeys(ctx, out);
  out.rows("workers", describeWorkers(ctx, snapshot));
  out.row(
    "roles",
    Object.entries(ctx.config.roles)
      .map(([role, alias]) => `${role}=${alias}`)
      .join(", "),
  );
  out.row("sandbox", await describeSandbox(ctx));
  describeSkills(ctx, out);
  describeShippedSkills(ctx, out);
  describeMcpClients(ctx, out);
  return out.lines.join("\n");
}

type Snapshot = Awaited<ReturnType<AppContext["availability"]["snapshot"]>>;

function describeOllamaHost(host: Snapshot["ollama"][number]): string {
  const status = host.reachable
    ? `reachable, Ollama ${host.version}, ${host.models.length} models${host.models.length ? `: ${host.models.join(", ")}` : ""}${host.loaded.length ? `; loaded: ${host.loaded.join(", ")}` : ""}`
    : `unreachable: ${host.error}`;
  return `${host.host} ${status}`;
}

function describeApiKeys(ctx: AppContext, out: ReportLines): void {
  const keyVar = ctx.env.GEMINI_API_KEY ? "GEMINI_API_KEY" : "GOOGLE_API_KEY";
  out.row(
    "gemini",
    geminiApiKey(ctx.env)
      ? `${keyVar} is set; base URL ${ctx.config.gemini.baseUrl ?? "Google's default"}`
      : "no GEMINI_API_KEY or GOOGLE_API_KEY: Gemini workers unusable",
  );
  out.row("openai", describeApiDefaults(ctx.env, "OPENAI_BASE_URL", "OPENAI_API_KEY"));
  out.row("anthropic", describeApiDefaults(ctx.env, "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"));
}

/** One line per alias: provider, model, where, and whether it can be used now. */
function describeWorkers(ctx: AppContext, snapshot: Snapshot): string[] {
  return Object.entries(ctx.config.workers).map(([alias, worker]) => {
    const availability = snapshot.workers.get(alias);
    const quota =
      worker.provider === "gemini" && snapshot.geminiKey ? geminiQuota(ctx, alias, worker) : "";
    const state = availability?.usable
      ? `usable${availability.loaded && worker.provider === "ollama" ? " (loaded)" : ""}${quota ? `, ${quota}` : ""}`
      : `not usable: ${availability?.reason ?? "unknown"}${quota ? `; ${quota}` : ""}`;
    const at =
      worker.provider === "openai" || worker.provider === "anthropic" ? apiWhere(ctx, worker) : "";
    return `${alias.padEnd(11)} ${worker.provider} ${worker.model}${at}, max complexity ${worker.maxComplexity}: ${state}`;
  });
}

function describeSkills(ctx: AppContext, out: ReportLines): void {
  const skills = ctx.skills();
  out.row(
    "skills",
    skills.length ? `${skills.length} found` : "none found in .claude/skills (project or ~)",
  );
  for (const skill of skills) out.more(`${skill.name} (${skill.path})`);
}

/** The skills squad-mcp ships and where each is installed. */
function describeShippedSkills(ctx: AppContext, out: ReportLines): void {
  try {
    const shipped = shippedSkillsStatus({
      skillsDir: shippedSkillsDir(),
      homeDir: ctx.userHome,
      projectRoot: ctx.projectRoot,
    });
    out.row(
      "shipped",
      `${shipped.skills.length} skills; ${shipped.destinations
        .map(({ scope, folder }) => `${scope} ${tilde(ctx, folder)}`)
        .join(", ")}`,
    );
    for (const skill of shipped.skills) out.more(describeSkillStatus(skill));
  } catch (error) {
    out.row("shipped", `cannot read the shipped skills: ${errorMessage(error)}`);
  }
}

/** The MCP clients' config files found, and whether squad-mcp is registered in any. */
function describeMcpClients(ctx: AppContext, out: ReportLines): void {
  const configs = findMcpConfigs({
    homeDir: ctx.userHome,
    projectRoot: ctx.projectRoot,
    platform: process.platform,
    env: ctx.env,
  });
  if (configs.length === 0) out.row("mcp", `no MCP client config found; ${REGISTER_HINT}`);
  out.rows(
    "mcp",
    configs.map((config) => describeMcpConfig(config, (path) => tilde(ctx, path))),
  );
  const registered = configs.some((config) =>
    config.sections.some((section) => section.squad.length > 0),
  );
  if (configs.length > 0 && !registered) {
    out.more(`squad-mcp is registered in none of them; ${REGISTER_HINT}`);
  }
}

/** A path under the user's home as `~/…`. */
function tilde(ctx: AppContext, path: string): string {
  return ctx.userHome.length > 1 && path.startsWith(`${ctx.userHome}${sep}`)
    ? `~${path.slice(ctx.userHome.length)}`
    : path;
}

/** The defaults `openai`/`anthropic` aliases fall back on; whether a key is set, never the key. */
function describeApiDefaults(env: NodeJS.ProcessEnv, baseUrlEnv: string, keyEnv: string): string {
  const base = env[baseUrlEnv] ? `${baseUrlEnv}=${env[baseUrlEnv]}` : `no ${baseUrlEnv}`;
  return `${base}; ${env[keyEnv] ? `${keyEnv} is set` : `no ${keyEnv}`}`;
}

/** " at <url> (key in NAME)" for an alias with its own base URL or key variable. */
function apiWhere(ctx: AppContext, worker: WorkerConfig): string {
  const target = apiTarget(worker, ctx.env);
  const parts = [
    worker.baseUrl ? ` at ${target.baseUrl}` : "",
    worker.apiKeyEnv ? ` (key in ${target.keyEnv})` : "",
  ];
  return parts.join("");
}

function describeDatabase(ctx: AppContext, out: ReportLines): void {
  const health = ctx.store.health();
  out.row(
    "database",
    `${health.file} (schema v${health.schemaVersion} of ${health.expectedSchemaVersion}, ${ctx.store.outcomes.count()} outcomes) via ${ctx.store.db.driver}`,
  );
  out.more(databaseState(health));
  for (const line of wrap(
    health.rowCounts.map(({ table, rows }) => `${table} ${rows}`),
    "rows: ",
  )) {
    out.more(line);
  }
}

/** e.g. `3 requests today of 1500`; today is Gemini's quota day (Pacific time). */
function geminiQuota(ctx: AppContext, alias: string, worker: WorkerConfig): string {
  const used = ctx.store.quota.count(alias, quotaDay(ctx.now()));
  return `${used} requests today${worker.requestsPerDay === undefined ? "" : ` of ${worker.requestsPerDay}`}`;
}

function databaseState(health: DatabaseHealth): string {
  const size = health.sizeBytes === null ? "in memory" : bytes(health.sizeBytes);
  const check =
    health.quickCheck === "ok" ? "quick_check ok" : `quick_check FAILED: ${health.quickCheck}`;
  return `${size}, journal ${health.journalMode}, WAL ${bytes(health.walBytes)}, ${check}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Items joined by commas, in lines of at most `width` characters; later lines indented. */
function wrap(items: string[], prefix: string, width = 88): string[] {
  const lines: string[] = [];
  let line = "";
  for (const [index, item] of items.entries()) {
    const piece = index < items.length - 1 ? `${item},` : item;
    if (line && (lines.length ? 0 : prefix.length) + line.length + 1 + piece.length > width) {
      lines.push(line);
      line = "";
    }
    line = line ? `${line} ${piece}` : piece;
  }
  lines.push(line);
  return lines.map((text, index) => `${index === 0 ? prefix : " ".repeat(prefix.length)}${text}`);
}

/** Whether commands run sandboxed, trying bwrap the way the first command would. */
async function describeSandbox(ctx: AppContext): Promise<string> {
  const mode = ctx.config.commands.sandbox;
  if (mode === "off") return "none: commands.sandbox is off (process groups only)";
  const probe = await probeSandbox();
  if (probe.available) {
    const network = ctx.config.commands.network ? "" : ", no network";
    return `bwrap OK: commands write only under their root, in their own PID namespace${network}`;
  }
  const refused =
    mode === "required" ? "; commands.sandbox is required, so commands are refused" : "";
  return `none: ${probe.why}${refused}`;
}
