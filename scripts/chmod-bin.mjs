// npm links `bin` to dist/cli.js; tsc does not keep the executable bit, so set it here.
import { chmodSync } from "node:fs";

chmodSync(new URL("../dist/cli.js", import.meta.url), 0o755);
