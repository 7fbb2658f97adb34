// Installs the CRDs of the traffic routers into the test control plane. Gateway API's and
// Istio's are the published CRDs, data from their Go modules (fetched with `go mod download`
// and cached next to the control-plane binaries). SMI publishes its CRDs only in the removed
// apiextensions v1beta1 form, so a structural stand-in serves split.smi-spec.io/v1alpha2.

import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { waitForCondition } from '../control-plane/wait-condition.ts';
import type { TestCluster } from './cluster.ts';

const run = promisify(execFile);

const GATEWAY_API_VERSION = process.env.SLUICE_GATEWAY_API_VERSION ?? 'v1.5.0';
const ISTIO_API_VERSION = process.env.SLUICE_ISTIO_API_VERSION ?? 'v1.31.4';

function cacheDir(): string {
  const base =
    process.env.SLUICE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sluice');
  return join(base, 'crds');
}

/** A file of a Go module, downloaded once into the cache. */
async function moduleFile(module: string, version: string, path: string): Promise<string> {
  const dest = join(cacheDir(), `${module.replaceAll('/', '_')}@${version}`, path.replaceAll('/', '_'));
  if (
    await stat(dest).then(
      () => true,
      () => false,
    )
  )
    return dest;
  const { stdout } = await run('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: process.env.TMPDIR ?? '/tmp',
    maxBuffer: 16 << 20,
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no Dir'}`);
  await mkdir(join(dest, '..'), { recursive: true });
  await writeFile(dest, await readFile(join(info.Dir, path)));
  return dest;
}

async function applyAndWait(cluster: TestCluster, manifest: string, crd: string): Promise<void> {
  await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest);
  await waitForCondition(cluster.kubectl, [`crd/${crd}`], 'Established');
}

export async function installHttpRouteCrd(cluster: TestCluster): Promise<void> {
  const file = await moduleFile(
    'sigs.k8s.io/gateway-api',
    GATEWAY_API_VERSION,
    'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml',
  );
  await applyAndWait(cluster, await readFile(file, 'utf8'), 'httproutes.gateway.networking.k8s.io');
}

/** One CRD of Istio's published set (istio.io/api), e.g. `virtualservices`. */
async function installIstioCrd(cluster: TestCluster, plural: string): Promise<void> {
  const file = await moduleFile(
    'istio.io/api',
    ISTIO_API_VERSION,
    'kubernetes/customresourcedefinitions.gen.yaml',
  );
  const name = `${plural}.networking.istio.io`;
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const crd = docs.find(
    (d) => (d.toJS() as { metadata?: { name?: string } } | null)?.metadata?.name === name,
  );
  if (!crd) throw new Error(`the Istio CRDs have no ${name}`);
  await applyAndWait(cluster, crd.toString(), name);
}

export function installVirtualServiceCrd(cluster: TestCluster): Promise<void> {
  return installIstioCrd(cluster, 'virtualservices');
}

export function installDestinationRuleCrd(cluster: TestCluster): Promise<void> {
  return installIstioCrd(cluster, 'destinationrules');
}

export async function installTrafficSplitCrd(cluster: TestCluster): Promise<void> {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'trafficsplits.split.smi-spec.io' },
    spec: {
      group: 'split.smi-spec.io',
      scope: 'Namespaced',
      names: {
        kind: 'TrafficSplit',
        listKind: 'TrafficSplitList',
        plural: 'trafficsplits',
        singular: 'trafficsplit',
        shortNames: ['ts'],
      },
      versions: [
        {
          name: 'v1alpha2',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['service', 'backends'],
                  properties: {
                    service: { type: 'string' },
                    backends: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['service', 'weight'],
                        properties: { service: { type: 'string' }, weight: { type: 'integer', minimum: 0 } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
  await applyAndWait(cluster, JSON.stringify(crd), 'trafficsplits.split.smi-spec.io');
}
