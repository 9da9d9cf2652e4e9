// Bundles dist/ into bundle/ as rolldown.config.mjs says, printing one line, not every asset.
import { build } from "rolldown";
import config from "../rolldown.config.mjs";

const started = performance.now();
const results = await build(config);
const chunks = (Array.isArray(results) ? results : [results])
  .flatMap((result) => result.output)
  .filter((file) => file.type === "chunk");
const kib = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.code), 0) / 1024;
const seconds = (performance.now() - started) / 1000;
console.log(`bundle/: ${chunks.length} files, ${kib.toFixed(0)} KiB, in ${seconds.toFixed(1)} s`);
