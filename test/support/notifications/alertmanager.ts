// Debian's Alertmanager (/usr/bin/prometheus-alertmanager) on loopback with a temp config and
// storage, clustering off, for the alertmanager Provider.

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, waitForTcp, withFreePort } from '../git/process.ts';

const BINARY = '/usr/bin/prometheus-alertmanager';

interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
}

export interface Alertmanager {
  readonly url: string;
  /** GET /api/v2/alerts. */
  alerts(): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
}

const CONFIG = `route:
  receiver: blackhole
receivers:
  - name: blackhole
`;

export async function startAlertmanager(): Promise<Alertmanager> {
  if (!existsSync(BINARY)) {
    throw new Error(
      `Alertmanager not found at ${BINARY}; run test/prepare.sh (apt-get install prometheus-alertmanager)`,
    );
  }
  const root = await mkdtemp(join(tmpdir(), 'sluice-alertmanager-'));
  await writeFile(join(root, 'alertmanager.yml'), CONFIG);
  return withFreePort(async (port) => {
    const proc = spawnServer(
      'alertmanager',
      BINARY,
      [
        `--config.file=${join(root, 'alertmanager.yml')}`,
        `--storage.path=${join(root, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: root },
    );
    await waitForTcp(proc, port, { timeoutMs: 30_000 });
    const url = `http://127.0.0.1:${port}`;
    return {
      url,
      async alerts() {
        const res = await fetch(`${url}/api/v2/alerts`);
        if (!res.ok) throw new Error(`alertmanager answered ${res.status}: ${proc.output()}`);
        return (await res.json()) as AlertmanagerAlert[];
      },
      async stop() {
        await proc.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  });
}
