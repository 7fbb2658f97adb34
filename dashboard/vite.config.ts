// Builds the dashboard's page into dashboard/dist, which `kubectl sluice dashboard` serves.
// Run by `npm install` (prepare), `npm test` and `npm run demo`, so a checkout never serves a stale page.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Served at the server's root; relative asset URLs keep it movable.
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
