// An OCI registry on loopback: Debian's docker-registry (the CNCF distribution registry) with
// a temporary config and storage, behind htpasswd basic auth. Charts get in with `helm push`.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { spawnServer, waitForTcp, withFreePort } from '../git/process.ts';
import { helm, packageChart, type TestChart } from './charts.ts';

const run = promisify(execFile);
const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface ChartRegistry {
  /** `host:port`. */
  host: string;
  /** `oci://host:port/charts`: where charts are pushed, the URL of a HelmRepository of type oci. */
  url: string;
  /** Packages `chart` and pushes it. */
  publish(chart: TestChart): Promise<void>;
  stop(): Promise<void>;
}

export async function startRegistry(opts: {
  helm: string;
  username: string;
  password: string;
}): Promise<ChartRegistry> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-registry-'));
  const home = join(root, '.helm-home');
  try {
    // bcrypt, the only hash the registry takes, from apache2-utils (test/prepare.sh).
    const { stdout } = await run('htpasswd', ['-Bbn', opts.username, opts.password]);
    await writeFile(join(root, 'htpasswd'), stdout);
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`htpasswd (apache2-utils) is needed for the test registry; run test/prepare.sh`, {
      cause: err,
    });
  }
  const host = '127.0.0.1';
  const started = await withFreePort(async (port) => {
    await writeFile(
      join(root, 'config.yml'),
      stringify({
        version: 0.1,
        log: { level: 'warn' },
        storage: { filesystem: { rootdirectory: join(root, 'data') } },
        http: { addr: `${host}:${port}` },
        auth: { htpasswd: { realm: 'sluice-test', path: join(root, 'htpasswd') } },
      }),
    );
    const proc = spawnServer('docker-registry', REGISTRY_BIN, ['serve', join(root, 'config.yml')], {
      env: { PATH: process.env.PATH ?? '' },
      cwd: root,
    });
    try {
      await waitForTcp(proc, port, { host, timeoutMs: 15_000 });
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return { proc, port };
  });
  const address = `${host}:${started.port}`;
  await helm(
    opts.helm,
    home,
    ['registry', 'login', address, '--username', opts.username, '--password-stdin', '--plain-http'],
    opts.password,
  );
  const url = `oci://${address}/charts`;
  return {
    host: address,
    url,
    publish: async (chart) => {
      const tgz = await packageChart(opts.helm, join(root, 'src'), chart, join(root, 'packages'));
      await helm(opts.helm, home, ['push', tgz, url, '--plain-http']);
    },
    stop: async () => {
      await started.proc.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
