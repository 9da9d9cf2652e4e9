// npm links `bin` to bundle/cli.js; the bundler does not set the executable bit, so set it here.
import { chmodSync } from "node:fs";

chmodSync(new URL("../bundle/cli.js", import.meta.url), 0o755);
