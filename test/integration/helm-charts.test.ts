// Charts from a real chart repository (HTTP, basic auth) and a real OCI registry (Debian's
// docker-registry), fetched and pulled by the real helm binary, as Applications get them.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelmRepository } from '../../controller/api/helm-repository.ts';
import { StallingError } from '../../controller/runtime/reconcile-errors.ts';
import { HelmCharts } from '../../controller/sources/helm-repository/helm-charts.ts';
import { FakeCluster } from '../support/fake-cluster.ts';
import { type ChartRepository, startChartRepository } from '../support/helm/chart-repository.ts';
import { configMapTemplate } from '../support/helm/charts.ts';
import { type ChartRegistry, startRegistry } from '../support/helm/registry.ts';

const run = promisify(execFile);
const NS = 'team';
let helmBin: string;
let repo: ChartRepository;
let registry: ChartRegistry;
let cacheDir: string;
let cluster: FakeCluster;
let charts: HelmCharts;

function helmRepository(name: string, spec: Partial<HelmRepository['spec']>): HelmRepository {
  return {
    metadata: { name, namespace: NS, generation: 1 },
    spec: { url: repo.url, interval: '1m', secretRef: { name: 'creds' }, ...spec },
  };
}

/** The repository as its reconciler leaves it: with the index revision in status. */
async function checked(r: HelmRepository): Promise<HelmRepository> {
  const found = await charts.check(r);
  return found.revision
    ? { ...r, status: { artifact: { revision: found.revision, lastUpdateTime: '' } } }
    : r;
}

beforeAll(async () => {
  const { stdout } = await run('bash', [new URL('../control-plane/build.sh', import.meta.url).pathname]);
  helmBin = join(stdout.trim(), 'helm');
  repo = await startChartRepository({ helm: helmBin, username: 'charts', password: 'right' });
  registry = await startRegistry({ helm: helmBin, username: 'oci-user', password: 'oci-pass' });
  cacheDir = await mkdtemp(join(tmpdir(), 'sluice-helm-cache-'));
  cluster = new FakeCluster();
  cluster.secrets.set('creds', { username: 'charts', password: 'right' });
  cluster.secrets.set('wrong', { username: 'charts', password: 'wrong' });
  cluster.secrets.set('oci-creds', { username: 'oci-user', password: 'oci-pass' });
  charts = new HelmCharts({ api: cluster.api(), helm: helmBin, cacheDir });
  await repo.publish({ name: 'app', version: '1.0.0', templates: { 'cm.yaml': configMapTemplate('app') } });
  await repo.publish({ name: 'lib', version: '0.3.0', templates: { 'cm.yaml': configMapTemplate('lib') } });
  await registry.publish({
    name: 'app',
    version: '1.0.0',
    templates: { 'cm.yaml': configMapTemplate('app') },
  });
  await registry.publish({
    name: 'app',
    version: '1.1.0',
    templates: { 'cm.yaml': configMapTemplate('app') },
  });
  await registry.publish({
    name: 'lib',
    version: '0.3.0',
    templates: { 'cm.yaml': configMapTemplate('lib') },
  });
}, 180_000);

afterAll(async () => {
  await repo?.close();
  await registry?.stop();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('HTTP chart repository', () => {
  it('refuses a wrong password naming the index URL and HTTP 401, and never shows the password', async () => {
    const err = await charts
      .check(helmRepository('bad', { secretRef: { name: 'wrong' } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StallingError);
    expect((err as StallingError).reason).toBe('AuthenticationFailed');
    expect((err as Error).message).toContain(`HTTP 401`);
    expect((err as Error).message).toContain(`${repo.url}/index.yaml`);
    expect((err as Error).message).not.toContain('wrong');
  });

  it('resolves a range to the highest version, and a newly published one moves it', async () => {
    const first = await checked(helmRepository('charts', {}));
    const before = await charts.resolve(first, { name: 'app', version: '1.x' });
    expect(before.version).toBe('1.0.0');
    expect(before.revision).toMatch(/^1\.0\.0@sha256:[0-9a-f]{64}$/);
    await repo.publish({ name: 'app', version: '1.1.0', templates: { 'cm.yaml': configMapTemplate('app') } });
    const second = await checked(helmRepository('charts', {}));
    expect(second.status?.artifact?.revision).not.toBe(first.status?.artifact?.revision);
    const after = await charts.resolve(second, { name: 'app', version: '1.x' });
    expect(after.version).toBe('1.1.0');
    // Out of range stays out: 2.x is not there.
    await expect(charts.resolve(second, { name: 'app', version: '2.x' })).rejects.toThrow(
      /no version of chart "app".*matches "2.x"/,
    );
  });

  it('pulls the chosen version with helm into the cache, checking its digest', async () => {
    const r = await checked(helmRepository('charts', {}));
    const chosen = await charts.resolve(r, { name: 'app', version: '~1.1' });
    const dir = await charts.files(r, chosen, [r]);
    expect(existsSync(join(dir, 'app', 'Chart.yaml'))).toBe(true);
    expect(await charts.files(r, chosen, [r])).toBe(dir);
    const pulls = repo.requests.filter((q) => q.path === '/app-1.1.0.tgz' && q.status === 200);
    expect(pulls).toHaveLength(1);
  });

  it('builds dependencies from the HelmRepository with their URL, and names a dependency none serves', async () => {
    await repo.publish({
      name: 'parent',
      version: '2.0.0',
      templates: { 'cm.yaml': configMapTemplate('parent') },
      dependencies: [{ name: 'lib', version: '0.x', repository: repo.url }],
    });
    const source = await checked(helmRepository('charts', {}));
    const chosen = await charts.resolve(source, { name: 'parent', version: '2.0.0' });
    const dir = await charts.files(source, chosen, [source]);
    expect(await readdir(join(dir, 'parent', 'charts'))).toContain('lib-0.3.0.tgz');

    await repo.publish({
      name: 'orphan',
      version: '1.0.0',
      templates: { 'cm.yaml': configMapTemplate('orphan') },
      dependencies: [{ name: 'lib', version: '0.x', repository: 'https://charts.example.com/stable' }],
    });
    const again = await checked(helmRepository('charts', {}));
    const orphan = await charts.resolve(again, { name: 'orphan' });
    const err = await charts.files(again, orphan, [again]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StallingError);
    expect((err as Error).message).toBe(
      'dependency "lib" (repository "https://charts.example.com/stable"): no HelmRepository in namespace team has this URL',
    );
  });
});

describe('OCI registry', () => {
  const oci = (spec: Partial<HelmRepository['spec']> = {}) =>
    helmRepository('oci', {
      url: registry.url,
      type: 'oci',
      insecure: true,
      secretRef: { name: 'oci-creds' },
      ...spec,
    });

  it('logs in to check the registry, and stalls on a wrong password', async () => {
    expect((await charts.check(oci())).revision).toBeUndefined();
    cluster.secrets.set('oci-wrong', { username: 'oci-user', password: 'nope' });
    const err = await charts.check(oci({ secretRef: { name: 'oci-wrong' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StallingError);
    expect((err as Error).message).not.toContain('nope');
  });

  it('resolves tags by semver range and pulls the chart', async () => {
    const low = await charts.resolve(oci(), { name: 'app', version: '~1.0' });
    expect(low.version).toBe('1.0.0');
    const high = await charts.resolve(oci(), { name: 'app', version: '>=1.0.0' });
    expect(high.version).toBe('1.1.0');
    expect(high.revision).toMatch(/^1\.1\.0@sha256:[0-9a-f]{64}$/);
    const dir = await charts.files(oci(), high, []);
    expect(existsSync(join(dir, 'app', 'Chart.yaml'))).toBe(true);
  });

  it('builds a dependency from the registry', async () => {
    await registry.publish({
      name: 'parent',
      version: '2.0.0',
      templates: { 'cm.yaml': configMapTemplate('parent') },
      dependencies: [{ name: 'lib', version: '0.x', repository: registry.url }],
    });
    const chosen = await charts.resolve(oci(), { name: 'parent', version: '2.x' });
    const dir = await charts.files(oci(), chosen, [oci()]);
    expect(await readdir(join(dir, 'parent', 'charts'))).toContain('lib-0.3.0.tgz');
  });
});
