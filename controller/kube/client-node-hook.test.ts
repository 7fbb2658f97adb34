import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { STANDS_IN_FOR } from './client-node-hook.ts';

const run = promisify(execFile);
const configModule = join(
  createRequire(import.meta.url).resolve('@kubernetes/client-node/package.json'),
  '..',
  'dist',
  'config.js',
);

/** The names a module imports from `specifier`, as written in its import statement. */
function importedNames(source: string, specifier: string): string[] {
  const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*['"]${escaped}['"]`).exec(source);
  if (!m?.[1]) return [];
  return m[1]
    .split(',')
    .map(
      (part) =>
        part
          .trim()
          .split(/\s+as\s+/)[0]
          ?.trim() ?? '',
    )
    .filter(Boolean)
    .sort();
}

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: {server: 'https://127.0.0.1:6443'}
users:
  - name: u
    user: {token: secret-token}
contexts:
  - name: x
    context: {cluster: c, user: u}
current-context: x
`;

// Runs in a fresh Node.js, as controller/main.ts starts: the hook, then the controller's modules.
const CHILD = `
import { registerHooks } from 'node:module';
import { skipUnusedKubeModules } from ${JSON.stringify(new URL('./client-node-hook.ts', import.meta.url).href)};
skipUnusedKubeModules();
const loaded = [];
registerHooks({ load(url, context, nextLoad) { loaded.push(url); return nextLoad(url, context); } });
const { loadKubeConfig } = await import(${JSON.stringify(new URL('./config.ts', import.meta.url).href)});
const kc = loadKubeConfig({ kubeconfig: process.env.TEST_KUBECONFIG });
const options = { headers: {} };
await kc.applyToHTTPSOptions(options);
let apiClient;
try { kc.makeApiClient(class {}); } catch (err) { apiClient = err.message; }
process.stdout.write(JSON.stringify({
  server: kc.getCurrentCluster().server,
  authorization: options.headers.Authorization,
  apiClient,
  skippedLoaded: loaded.filter((u) => u.includes('/dist/gen/models/') || u.includes('/node_modules/undici/')),
}));
`;

describe('skipUnusedKubeModules', () => {
  it('stands in for exactly the names client-node’s config.js imports', async () => {
    const source = await readFile(configModule, 'utf8');
    for (const [specifier, names] of Object.entries(STANDS_IN_FOR)) {
      expect(importedNames(source, specifier), specifier).toEqual([...names].sort());
    }
  });

  it('loads a kubeconfig and its credentials without the generated API or undici', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'client-node-hook-'));
    try {
      const file = join(dir, 'kubeconfig');
      await writeFile(file, KUBECONFIG);
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], {
        env: { ...process.env, TEST_KUBECONFIG: file },
      });
      expect(JSON.parse(stdout)).toEqual({
        server: 'https://127.0.0.1:6443',
        authorization: 'Bearer secret-token',
        apiClient: './gen/index.js is not loaded in the controller (kube/client-node-hook.ts)',
        skippedLoaded: [],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
