// Installs the CRDs of the traffic routers into the test control plane. Gateway API's and
// Istio's are the published CRDs, data from their Go modules (fetched with `go mod download`
// and cached next to the control-plane binaries). SMI publishes its CRDs only in the removed
// apiextensions v1beta1 form, so a structural stand-in serves split.smi-spec.io/v1alpha2.
// Traefik's comes from its Go module too; APISIX and Emissary publish theirs in no module the
// proxy here serves, so stand-ins declare the fields the routers use with their documented types.

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

const TRAEFIK_VERSION = process.env.SLUICE_TRAEFIK_VERSION ?? 'v3.7.13';

/** Traefik's published TraefikService CRD, from its Go module (the docs carry the generated CRDs). */
export async function installTraefikServiceCrd(cluster: TestCluster): Promise<void> {
  const file = await moduleFile(
    'github.com/traefik/traefik/v3',
    TRAEFIK_VERSION,
    'docs/content/reference/dynamic-configuration/traefik.io_traefikservices.yaml',
  );
  await applyAndWait(cluster, await readFile(file, 'utf8'), 'traefikservices.traefik.io');
}

type Schema = Record<string, unknown>;
const str = { type: 'string' };
const intOrString = { 'x-kubernetes-int-or-string': true };
const open = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties,
  ...(required.length > 0 ? { required } : {}),
});

/** A namespaced CRD of one served and stored version, for the stand-ins below. */
async function installStandIn(
  cluster: TestCluster,
  names: { group: string; kind: string; plural: string },
  versions: string[],
  spec: Schema,
): Promise<void> {
  const name = `${names.plural}.${names.group}`;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: names.group,
      scope: 'Namespaced',
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.kind.toLowerCase(),
      },
      versions: versions.map((v, i) => ({
        name: v,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec } } },
      })),
    },
  };
  await applyAndWait(cluster, JSON.stringify(crd), name);
}

/**
 * APISIX's ApisixRoute (apisix.apache.org/v2). Its CRDs are not published in a Go module the
 * proxy here serves, so this stand-in declares, with the types of APISIX's API reference, the
 * fields the router reads and writes (rule names, backends with serviceName, servicePort and
 * weight) and keeps the rest as given.
 */
export function installApisixRouteCrd(cluster: TestCluster): Promise<void> {
  const backend = open(
    {
      serviceName: str,
      servicePort: intOrString,
      weight: { type: 'integer', minimum: 0 },
      resolveGranularity: str,
    },
    ['serviceName'],
  );
  const rule = open({ name: str, backends: { type: 'array', minItems: 1, items: backend } }, ['name']);
  return installStandIn(
    cluster,
    { group: 'apisix.apache.org', kind: 'ApisixRoute', plural: 'apisixroutes' },
    ['v2'],
    open({ http: { type: 'array', items: rule } }),
  );
}

/**
 * Emissary-ingress's Mapping (getambassador.io v3alpha1 and v2), a stand-in for the same reason
 * as APISIX's: the fields the router copies and sets (prefix, hostname, service, weight from 0 to
 * 100) with their documented types. Both versions share the schema, so no conversion webhook is
 * needed.
 */
export function installMappingCrd(cluster: TestCluster): Promise<void> {
  return installStandIn(
    cluster,
    { group: 'getambassador.io', kind: 'Mapping', plural: 'mappings' },
    ['v3alpha1', 'v2'],
    open(
      { prefix: str, hostname: str, service: str, weight: { type: 'integer', minimum: 0, maximum: 100 } },
      ['prefix', 'service'],
    ),
  );
}
