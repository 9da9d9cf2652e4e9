// The demo's fixture project: its own config so the repository's vitest.config.ts (src/, test/)
// does not apply, and the repository's `npm test` never runs these deliberately failing tests.
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { include: ["*.spec.mjs"], cache: false } });
