#!/usr/bin/env node
// Starts kubectl-sluice on a Node.js that runs its TypeScript sources (24 or newer). This file
// is plain JavaScript so that any Node.js on PATH can read it: kubectl runs plugins with the
// machine's `node`, which may be older. Then:
// - on Node.js 24+, it imports main.ts; when installed under node_modules (npm install -g of a
//   tarball), where Node.js refuses to strip types, a load hook strips them instead;
// - on an older Node.js, it runs itself again with the Node.js 24 that npm installed next to the
//   package (the `node` devDependency in a checkout), looking in node_modules/.bin upwards.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_MAJOR = 24;
const REEXEC = 'KUBECTL_SLUICE_REEXEC';
const self = fileURLToPath(import.meta.url);
const major = Number(process.versions.node.split('.')[0]);

function stripTypesUnderNodeModules() {
  const { registerHooks, stripTypeScriptTypes } = module;
  registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
      const source = readFileSync(new URL(url), 'utf8');
      // stripTypeScriptTypes warns that it is experimental on every first use; not news to users.
      const emitWarning = process.emitWarning;
      process.emitWarning = () => {};
      try {
        return { format: 'module', source: stripTypeScriptTypes(source), shortCircuit: true };
      } finally {
        process.emitWarning = emitWarning;
      }
    },
  });
}

function findNode() {
  for (let dir = dirname(dirname(self)); ; dir = dirname(dir)) {
    for (const candidate of [
      join(dir, 'node_modules', '.bin', 'node'),
      join(dir, 'node_modules', 'node', 'bin', 'node'),
    ]) {
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

if (major >= MIN_MAJOR) {
  if (self.split(/[\\/]/).includes('node_modules')) stripTypesUnderNodeModules();
  const { main } = await import(new URL('./main.ts', import.meta.url).href);
  await main();
} else {
  const node = process.env[REEXEC] ? undefined : findNode();
  if (!node) {
    process.stderr.write(
      `error: kubectl-sluice needs Node.js ${MIN_MAJOR} or newer, and this is ${process.version}.\n` +
        `Install Node.js ${MIN_MAJOR}, or run "npm ci" in the Sluice checkout, which puts one in node_modules/.bin.\n`,
    );
    process.exit(1);
  }
  const child = spawn(node, [self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC]: '1' },
  });
  // Ctrl-C reaches the child through the terminal's process group; other signals are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
  });
}
