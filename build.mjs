// Bundles the front ends into build/: one self-contained IIFE per entry
// point, so the server can serve each as a single static file.
// Usage: npm run build   (or: node build.mjs)
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";

const root = path.dirname(fileURLToPath(import.meta.url));

const entries = {
  "widget/src/widget.js": "build/widget.js",
  "console/src/console.js": "build/console.js",
  "console/src/dashboard.js": "build/dashboard.js",
  "console/src/account.js": "build/account.js",
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
  // A gzip sibling next to each bundle: aiohttp's FileResponse serves
  // `NAME.gz` to clients that accept gzip (written with each build, so it
  // is never older than the bundle).
  const file = path.join(root, outfile);
  writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
}
