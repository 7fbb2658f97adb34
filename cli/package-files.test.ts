// What `npm pack` puts in the tarball that `npm install -g` installs: the plugin and the
// controller code it imports, the CRDs `lint` reads, and the dashboard's built page (prepack
// builds it), without tests.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm pack', () => {
  it('ships the plugin, the CRDs and the built dashboard page, and no tests', async () => {
    // --ignore-scripts: the page is already built by npm install (prepare); prepack rebuilds it
    // when a tarball is really made.
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
    const files = pack?.files.map((f) => f.path) ?? [];
    for (const needed of [
      'cli/kubectl-sluice.js',
      'cli/dashboard/server.ts',
      'controller/main.ts',
      'crds/applications.sluice.dev.yaml',
      'dashboard/dist/index.html',
    ]) {
      expect(files).toContain(needed);
    }
    expect(files.some((f) => f.startsWith('dashboard/dist/assets/') && f.endsWith('.js'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.test.ts') || f.startsWith('test/'))).toEqual([]);
  });
});
