// Installs the Gateway API HTTPRoute CRD into the test control plane. The CRD is data from the
// published Go module sigs.k8s.io/gateway-api, fetched with `go mod download` and cached next
// to the control-plane binaries.

import { execFile } from 'node:child_process';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestCluster } from './cluster.ts';

const run = promisify(execFile);

export const GATEWAY_API_VERSION = process.env.SLUICE_GATEWAY_API_VERSION ?? 'v1.5.0';

function cacheDir(): string {
  const base =
    process.env.SLUICE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sluice');
  return join(base, 'crds', `gateway-api-${GATEWAY_API_VERSION}`);
}

/** The HTTPRoute CRD file, downloaded once. */
export async function httpRouteCrdFile(): Promise<string> {
  const dest = join(cacheDir(), 'gateway.networking.k8s.io_httproutes.yaml');
  if (
    await stat(dest).then(
      () => true,
      () => false,
    )
  )
    return dest;
  const { stdout } = await run(
    'go',
    ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}`],
    {
      cwd: process.env.TMPDIR ?? '/tmp',
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      maxBuffer: 16 << 20,
    },
  );
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new Error(
      `go mod download sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}: ${info.Error ?? 'no Dir'}`,
    );
  await mkdir(cacheDir(), { recursive: true });
  await copyFile(join(info.Dir, 'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml'), dest);
  return dest;
}

export async function installHttpRouteCrd(cluster: TestCluster): Promise<void> {
  const file = await httpRouteCrdFile();
  await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', file]);
  await cluster.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/httproutes.gateway.networking.k8s.io',
  ]);
}
