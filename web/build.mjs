// Bundles the page (app.js + the library + npm mlkem and @noble/hashes) and the library for the
// Node tests into OUT_DIR. Usage: node build.mjs <node_modules dir> <out dir>
import { createRequire } from "node:module";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [modules, out] = process.argv.slice(2).map((p) => p && resolve(p));
if (!modules || !out) {
  console.error("usage: node build.mjs <node_modules dir> <out dir>");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const esbuild = createRequire(join(modules, "noop.js"))("esbuild");
mkdirSync(out, { recursive: true });
const common = { bundle: true, format: "esm", nodePaths: [modules], target: "es2022", logLevel: "warning", legalComments: "none" };
await esbuild.build({ ...common, entryPoints: [join(here, "app.js")], outfile: join(out, "app.js"), platform: "browser", minify: true });
await esbuild.build({ ...common, entryPoints: [join(here, "src/index.js")], outfile: join(out, "dnasync-web.mjs"), platform: "neutral" });
for (const f of ["index.html", "style.css", "sw.js"]) copyFileSync(join(here, f), join(out, f));
