// Builds dist/ from src/: one bundle (dependencies included) split at dynamic imports, so
// that start-up reads a few files instead of hundreds and `--version` or a run without a
// terminal never loads what it does not use. Type checking is `npm run typecheck`.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ["src/main.ts"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  // Bundled CommonJS dependencies call require() for Node's built-in modules.
  banner: { js: 'import { createRequire as __addlistRequire } from "node:module"; const require = __addlistRequire(import.meta.url);' },
});
