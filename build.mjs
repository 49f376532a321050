// Bundles the front ends into build/: one self-contained IIFE per entry
// point, so the server can serve each as a single static file.
// Usage: npm run build   (or: node build.mjs)
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(fileURLToPath(import.meta.url));

const entries = {
  "widget/src/widget.js": "build/widget.js",
  "console/src/console.js": "build/console.js",
};

for (const [entry, outfile] of Object.entries(entries)) {
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "iife",
    minify: true,
    target: "es2019",
    sourcemap: false,
    legalComments: "none",
    logLevel: "info",
  });
}
