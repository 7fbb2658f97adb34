// Installs the CRDs of the traffic routers into the test control plane. Gateway API's, Istio's,
// Traefik's, APISIX's and Emissary's are the published CRDs, data from their Go modules at pinned
// versions (each overridable by an environment variable), fetched with `go mod download` and
// cached next to the control-plane binaries. SMI publishes its CRDs only in the removed
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

export function installHttpRouteCrd(cluster: TestCluster): Promise<void> {
  return installFromModule(
    cluster,
    [
      'sigs.k8s.io/gateway-api',
      GATEWAY_API_VERSION,
      'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml',
    ],
    'httproutes.gateway.networking.k8s.io',
  );
}

/**
 * The CRD named `name` out of a file of a Go module (module, version, path), which may hold
 * several documents; `edit` may change it before it is applied.
 */
async function installFromModule(
  cluster: TestCluster,
  [module, version, path]: [string, string, string],
  name: string,
  edit?: (crd: Crd) => void,
): Promise<void> {
  const file = await moduleFile(module, version, path);
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const doc = docs.find((d) => (d.toJS() as Crd | null)?.metadata?.name === name);
  if (!doc) throw new Error(`${file} has no CustomResourceDefinition ${name}`);
  const crd = doc.toJS() as Crd;
  edit?.(crd);
  await applyAndWait(cluster, JSON.stringify(crd), name);
}

interface Crd {
  metadata?: { name?: string };
  spec?: { conversion?: { strategy: string; webhook?: unknown } };
}

/** One CRD of Istio's published set (istio.io/api), e.g. `virtualservices`. */
function installIstioCrd(cluster: TestCluster, plural: string): Promise<void> {
  return installFromModule(
    cluster,
    ['istio.io/api', ISTIO_API_VERSION, 'kubernetes/customresourcedefinitions.gen.yaml'],
    `${plural}.networking.istio.io`,
  );
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

const TRAEFIK_VERSION = process.env.SLUICE_TRAEFIK_VERSION ?? 'v3.7.13';

/** Traefik's published TraefikService CRD, from its Go module (the docs carry the generated CRDs). */
export function installTraefikServiceCrd(cluster: TestCluster): Promise<void> {
  return installFromModule(
    cluster,
    [
      'github.com/traefik/traefik/v3',
      TRAEFIK_VERSION,
      'docs/content/reference/dynamic-configuration/traefik.io_traefikservices.yaml',
    ],
    'traefikservices.traefik.io',
  );
}

const APISIX_INGRESS_VERSION = process.env.SLUICE_APISIX_INGRESS_VERSION ?? 'v1.8.4';

/** APISIX's published ApisixRoute CRD (apisix.apache.org/v2), from its ingress controller's module. */
export function installApisixRouteCrd(cluster: TestCluster): Promise<void> {
  return installFromModule(
    cluster,
    [
      'github.com/apache/apisix-ingress-controller',
      APISIX_INGRESS_VERSION,
      'samples/deploy/crd/v1/ApisixRoute.yaml',
    ],
    'apisixroutes.apisix.apache.org',
  );
}

const EMISSARY_VERSION = process.env.SLUICE_EMISSARY_VERSION ?? 'v3.10.0';

/**
 * Emissary-ingress's published Mapping CRD (getambassador.io v1, v2 stored, v3alpha1), from its
 * module's install manifest. The published CRD converts between versions with a webhook served
 * by emissary-apiext, which does not run here; without it every read and write of a Mapping
 * would fail, so only the conversion strategy is changed, to None (the API server then just
 * relabels the apiVersion). The schemas stay as published: v2, the stored version, keeps the
 * spec's unknown fields, so a v3alpha1 Mapping (`hostname`) round-trips whole, and what the
 * router writes is still checked against the schema of the version it writes.
 */
export function installMappingCrd(cluster: TestCluster): Promise<void> {
  return installFromModule(
    cluster,
    ['github.com/emissary-ingress/emissary/v3', EMISSARY_VERSION, 'manifests/emissary/emissary-crds.yaml.in'],
    'mappings.getambassador.io',
    (crd) => {
      if (crd.spec) crd.spec.conversion = { strategy: 'None' };
    },
  );
}
