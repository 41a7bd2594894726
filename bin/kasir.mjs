#!/usr/bin/env node
// Launcher of the `kasir` command (package.json "bin"). The CLI is TypeScript that Node runs natively
// (type stripping), so it needs a recent Node: npm scripts and `npx kasir` from the checkout put the
// `node` dependency (Node 24) first on PATH.
// A namespace import: Node before 22.1 has no enableCompileCache, and a named import of it would
// fail before the version check below could explain.
import * as nodeModule from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
const HINT =
  `kasir needs Node.js 24 (this is ${process.version}). Run it from the Kasir checkout through npm, ` +
  'which uses the Node 24 installed by `npm install`: `npx kasir …` or `npm run kasir -- …`.';

if (major < 22 || (major === 22 && minor < 6)) {
  console.error(HINT);
  process.exit(1);
}
// Node's compile cache keeps the modules it has type-stripped and compiled between runs. A run that
// finds all of them there never loads Node's TypeScript stripper, which costs about 17 MB of memory
// in every thread that loads it (`kasir serve` has two: the server's and PGlite's), and starts
// sooner. The environment variable is what the server's worker threads read; `npm start` sets it
// itself. Its default folder is in the system's temporary directory.
if (!process.env.NODE_COMPILE_CACHE) {
  const { directory } = nodeModule.enableCompileCache();
  if (directory) process.env.NODE_COMPILE_CACHE = directory;
}
let cli;
try {
  cli = await import('../src/cli.ts');
} catch (err) {
  // Node 22.6–22.17 and 23.0–23.5 strip types only with a flag.
  if (err?.code === 'ERR_UNKNOWN_FILE_EXTENSION' || err?.code === 'ERR_NO_TYPESCRIPT') {
    console.error(HINT);
    process.exit(1);
  }
  throw err;
}
process.exitCode = await cli.run(process.argv.slice(2));
