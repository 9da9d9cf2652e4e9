/** The config in one import: its schema (config/schema.ts), defaults and loading. */
export { DEFAULT_DENY } from "./config/default-deny.js";
export { DEFAULT_CONFIG } from "./config/defaults.js";
export {
  type ApiTarget,
  apiTarget,
  geminiApiKey,
  normaliseOllamaHost,
  squadHome,
} from "./config/environment.js";
export {
  type ConfigEnvironment,
  findConfigFile,
  type LoadedConfig,
  loadConfig,
} from "./config/load.js";
export {
  CATEGORIES,
  type Category,
  COMMAND_WORKER,
  DEFAULT_MAX_CONCURRENT,
  PROVIDERS,
  type Provider,
  type SquadConfig,
  type WorkerConfig,
} from "./config/schema.js";
