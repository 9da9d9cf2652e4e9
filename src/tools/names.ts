/** The tools the server serves; kept import-free so the CLI can name them without loading them. */
export const TOOL_NAMES = [
  "route_task",
  "spawn_squad",
  "squad_status",
  "validate_output",
  "write_code_spec",
  "implement_spec",
  "apply_spec",
  "log_outcome",
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
