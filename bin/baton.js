#!/usr/bin/env node
// The `baton` command: runs the compiled CLI when built, the TypeScript sources otherwise.
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
let cli;
if (fs.existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs/api').register();
  cli = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
// A failed command exits at once: a worker that could not start may already hold Temporal's
// runtime or a connection, which would keep the process alive after it said why.
cli.main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
