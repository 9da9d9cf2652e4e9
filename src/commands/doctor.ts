import { geminiApiKey } from "../config.js";
import type { AppContext } from "../context.js";
import { SCHEMA_VERSION } from "../memory/migrations.js";

/** A plain report of what squad-mcp can use right now, and why not where it cannot. */
export async function doctorReport(ctx: AppContext): Promise<string> {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(10)}${value}`);
  const more = (value: string) => lines.push(`${"".padEnd(10)}${value}`);

  row(
    "config",
    ctx.configSource ?? "embedded defaults (no squad.config.json, no $SQUAD_HOME/config.json)",
  );
  row(
    "database",
    `${ctx.store.file} (schema v${ctx.store.schemaVersion()} of ${SCHEMA_VERSION}, ${ctx.store.outcomes.count()} outcomes)`,
  );

  const snapshot = await ctx.availability.snapshot();
  snapshot.ollama.forEach((host, index) => {
    const status = host.reachable
      ? `reachable, Ollama ${host.version}, ${host.models.length} models${host.models.length ? `: ${host.models.join(", ")}` : ""}${host.loaded.length ? `; loaded: ${host.loaded.join(", ")}` : ""}`
      : `unreachable: ${host.error}`;
    (index === 0 ? (value: string) => row("ollama", value) : more)(`${host.host} ${status}`);
  });
  const keyVar = ctx.env.GEMINI_API_KEY ? "GEMINI_API_KEY" : "GOOGLE_API_KEY";
  row(
    "gemini",
    geminiApiKey(ctx.env)
      ? `${keyVar} is set; base URL ${ctx.config.gemini.baseUrl ?? "Google's default"}`
      : "no GEMINI_API_KEY or GOOGLE_API_KEY: Gemini workers unusable",
  );

  let first = true;
  for (const [alias, worker] of Object.entries(ctx.config.workers)) {
    const availability = snapshot.workers.get(alias);
    const state = availability?.usable
      ? `usable${availability.loaded && worker.provider === "ollama" ? " (loaded)" : ""}`
      : `not usable: ${availability?.reason ?? "unknown"}`;
    const line = `${alias.padEnd(11)} ${worker.provider} ${worker.model}, max complexity ${worker.maxComplexity}: ${state}`;
    if (first) row("workers", line);
    else more(line);
    first = false;
  }
  row(
    "roles",
    Object.entries(ctx.config.roles)
      .map(([role, alias]) => `${role}=${alias}`)
      .join(", "),
  );

  const skills = ctx.skills();
  row(
    "skills",
    skills.length ? `${skills.length} found` : "none found in .claude/skills (project or ~)",
  );
  for (const skill of skills) more(`${skill.name} (${skill.path})`);
  return lines.join("\n");
}
