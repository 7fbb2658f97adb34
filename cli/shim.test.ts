// The installed entry point: it must run from a checkout with an older Node.js first on PATH
// (kubectl runs plugins with the machine's `node`), and from under node_modules, where Node.js
// does not strip types by itself (npm install -g of a packed tarball).

import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const shim = join(root, 'cli/kubectl-sluice.js');

/** A Node.js older than 24 on PATH, outside node_modules, if the machine has one. */
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir || dir.includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
      const major = Number(/^v(\d+)/.exec(execFileSync(candidate, ['--version'], { encoding: 'utf8' }))?.[1]);
      if (major < 24) return candidate;
    } catch {
      // not there, or not runnable: look further
    }
  }
  return undefined;
}

const older = olderNode();
let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// Each case starts Node.js processes (and the second strips types from the whole CLI): on a
// busy two-core machine that takes well over vitest's default five seconds.
describe('kubectl-sluice entry point', { timeout: 60_000 }, () => {
  it('runs with an older Node.js by starting the Node.js 24 in node_modules', async () => {
    // Not a skip: without an older Node.js this case cannot be shown, and the test says so.
    if (!older)
      throw new Error('needs a Node.js older than 24 on PATH (outside node_modules) to run the shim with');
    const { stdout } = await run(older, [shim, 'version'], {
      env: { ...process.env, PATH: '/usr/bin:/bin' },
    });
    expect(stdout).toMatch(/^kubectl-sluice \d+\.\d+\.\d+\n$/);
  });

  it('runs from under node_modules, stripping types itself', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kubectl-sluice-shim-'));
    const pkg = join(scratch, 'node_modules', 'sluice');
    mkdirSync(pkg, { recursive: true });
    for (const dir of ['cli', 'controller', 'crds', 'package.json'])
      cpSync(join(root, dir), join(pkg, dir), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    const fixture = join(root, 'test/fixtures/lint/good/application.yaml');
    const { stdout, stderr } = await run(process.execPath, [
      join(pkg, 'cli/kubectl-sluice.js'),
      'lint',
      fixture,
    ]);
    expect(stdout).toBe('');
    expect(stderr).toBe('3 objects in 1 file: no problems\n');
  });
});
