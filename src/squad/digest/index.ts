export { detectTool } from "./detect.js";
export { digestOutput } from "./digest-output.js";
export { digestLogFile } from "./log-file.js";
export type { Digest, DigestFailure, DigestInput, DigestOptions, ToolName } from "./types.js";
