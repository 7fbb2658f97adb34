// Automatic sharding: three replicas with --sharding=auto split 300 Applications (three
// ConfigMaps each, one shared git repository) and 30 canary Rollouts with analysis between
// them, each shard held through its own Lease. One replica is SIGKILLed while AnalysisRuns
// measure, another while the Applications sync a new commit, and a fourth joins: every object
// converges, no step, ReplicaSet or AnalysisRun happens twice, and the logs of all replicas
// show each (shard, lease term) handled by one replica only. The Leases' own timestamps show
// each killed replica's shards taken once their lease expired, a lease duration after its last
// renewal and not a poll later; a replica stopped with SIGTERM last releases its shards, which
// move at once. Takeover times are printed.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { mapLimit } from '../../controller/apps/concurrency.ts';
import { Informer } from '../../controller/kube/informer.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { measurements } from '../support/analysis-runs.ts';
import { configMaps, configMapYaml } from '../support/apps.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { requestReconcile } from '../support/faults.ts';
import {
  type AnalysisBackend,
  errorRateTemplate,
  RolloutRecorder,
  startAnalysisBackend,
} from '../support/faults-rollouts.ts';
import { type GitServers, type ServedRepo, startGitServers, type WorkTree } from '../support/git/index.ts';
import { applyObject, condition, gitRepository } from '../support/kinds.ts';
import { RolloutDriver, template } from '../support/rollouts.ts';
import { type Handover, ShardLeaseHistory } from '../support/shard-lease-history.ts';

const cluster = testCluster();
const APPS = 300;
const ROLLOUTS = 30;
const SHARDS = 16;
const STEPS = [
  { setWeight: 50 },
  { analysis: { templates: [{ templateName: 'error-rate' }] } },
  { pause: { duration: 2 } },
];
let ns: string;
let workDir: string;
let git: GitServers;
let work: WorkTree;
let remote: ReturnType<ServedRepo['remote']>;
let backend: AnalysisBackend;
let rec: RolloutRecorder;
let apps: Informer<Application>;
let history: ShardLeaseHistory;
const replicas = new Map<string, ControllerProcess>();

type LogLine = Record<string, unknown>;

async function replica(name: string): Promise<ControllerProcess> {
  const ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: ['--sharding=auto', `--shards=${SHARDS}`, `--cache-dir=${join(workDir, name)}`],
    env: { PATH: `${cluster.binDir}:${process.env.PATH}`, POD_NAMESPACE: ns, POD_NAME: name },
  });
  replicas.set(name, ctl);
  return ctl;
}

/** Three ConfigMaps an app, whose data says which commit they came from. */
function appFiles(commit: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < APPS; i++)
    files[`apps/app-${i}/cms.yaml`] = ['a', 'b', 'c']
      .map((part) => configMapYaml(`app-${i}-${part}`, { commit }))
      .join('---\n');
  return files;
}

const application = (i: number): Application => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: `app-${i}`, namespace: ns },
  spec: {
    sourceRef: { kind: 'GitRepository', name: 'repo' },
    path: `apps/app-${i}`,
    interval: '10m',
    prune: true,
  },
});

const readyAt = (a: Application, sha: string) =>
  a.status?.lastAppliedRevision === `main@sha1:${sha}` &&
  a.status.observedGeneration === a.metadata.generation &&
  condition(a, 'Ready')?.status === 'True';

async function push(commit: string): Promise<string> {
  const sha = await work.commitAndPush(appFiles(commit), commit, remote);
  await requestReconcile((args) => cluster.kubectl(args), ns, 'gitrepository/repo');
  return sha;
}

async function waitAppsAt(sha: string, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    const behind = apps.list().filter((a) => !readyAt(a, sha));
    expect(apps.list()).toHaveLength(APPS);
    expect(behind.map((a) => a.metadata.name).slice(0, 5)).toEqual([]);
  }, timeoutMs);
}

async function shardsHeld(ctl: ControllerProcess): Promise<number> {
  const text = await (await fetch(`${ctl.probeUrl}/metrics`)).text();
  return Number(/^sluice_shards_held (\d+)$/m.exec(text)?.[1]);
}

/** Shards held by each live replica, once all SHARDS are held and shared fairly. */
async function waitFairShare(live: string[], timeoutMs = 90_000): Promise<number[]> {
  return eventually(async () => {
    const held = await Promise.all(live.map((n) => shardsHeld(replicas.get(n) as ControllerProcess)));
    expect(held.reduce((a, b) => a + b, 0)).toBe(SHARDS);
    for (const h of held) {
      expect(h).toBeGreaterThanOrEqual(Math.floor(SHARDS / live.length));
      expect(h).toBeLessThanOrEqual(Math.ceil(SHARDS / live.length));
    }
    return held;
  }, timeoutMs);
}

/** Names of the objects of `kind` a replica's log says it reconciled. */
const handled = (ctl: ControllerProcess, kind: string) =>
  new Set(ctl.logs.filter((l) => l.kind === kind && l.namespace === ns).map((l) => String(l.name)));

/** How the shards `dead` held were taken by the others, from the Leases, once all were. */
function takenFrom(dead: string, leases: string[]): Promise<Handover[]> {
  return eventually(async () => {
    const moved = history.handovers(leases, dead);
    expect(moved, `shard Leases of ${dead} taken`).toBeDefined();
    return moved as Handover[];
  }, 30_000);
}

/**
 * A dead replica's shards are taken once their lease expired and no later than a lease
 * duration after its last renewal, plus the taker's own requests (allowed one retry period,
 * 2 s, so a loaded API server does not fail it; waiting for the next poll after noticing the
 * expiry took up to 4.4 s). Returns min-max of SIGKILL -> taken.
 */
function expectTakenAtExpiry(moved: Handover[], killedAt: number): string {
  expect(moved.length).toBeGreaterThan(0);
  for (const h of moved) {
    expect(h.next.holderIdentity, h.lease).toBe(h.newHolder);
    expect(h.acquired - h.lastRenewed, h.lease).toBeGreaterThanOrEqual(h.leaseDurationMs);
    expect(h.acquired - h.lastRenewed, h.lease).toBeLessThanOrEqual(h.leaseDurationMs + 2_000);
  }
  return spread(moved.map((h) => h.acquired - killedAt));
}

/** min-max of durations, to the hundredth. */
const spread = (ms: number[]) =>
  `${(Math.min(...ms) / 1000).toFixed(2)}-${(Math.max(...ms) / 1000).toFixed(2)}s`;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'sluice-sharding-'));
  ns = await createNamespace(cluster.api, 'sharding-auto');
  git = await startGitServers();
  const repo = await git.createRepo('fleet.git');
  work = await git.workTree(repo);
  remote = repo.remote('git');
  await work.commitAndPush(appFiles('one'), 'one', remote);
  backend = await startAnalysisBackend();
  await cluster.api.create(
    analysisTemplateResource,
    errorRateTemplate(ns, backend.prometheus.url, { count: 3 }),
  );
  rec = new RolloutRecorder(cluster, ns);
  await rec.start();
  apps = new Informer<Application>(cluster.client, { resource: applicationResource, namespace: ns });
  apps.start();
  await apps.synced;
  history = new ShardLeaseHistory(cluster.client, ns);
  await history.start();
  await applyObject(
    cluster.api,
    gitRepositoryResource,
    gitRepository(ns, 'repo', { url: repo.urls.git, interval: '10m' }),
  );
}, 300_000);

afterAll(async () => {
  rec?.stop();
  apps?.stop();
  history?.stop();
  await Promise.all([...replicas.values()].map((c) => c.stop('SIGKILL')));
  await backend?.stop();
  await git?.stop();
  await deleteNamespace(cluster.api, ns);
  await rm(workDir, { recursive: true, force: true });
});

describe('--sharding=auto with three replicas', () => {
  it('shares 300 Applications and 30 Rollouts, survives two SIGKILLs, a join and a SIGTERM, and never doubles work', async () => {
    for (const name of ['shard-a', 'shard-b', 'shard-c']) await replica(name);
    const firstShare = await waitFairShare(['shard-a', 'shard-b', 'shard-c']);

    // The fleet, and the Rollouts at their first image.
    const ro = new RolloutDriver(cluster, ns);
    await mapLimit(
      Array.from({ length: APPS }, (_, i) => i),
      16,
      (i) => cluster.api.create(applicationResource, application(i)),
    );
    await mapLimit(
      Array.from({ length: ROLLOUTS }, (_, i) => `web-${i}`),
      8,
      (name) =>
        ro.create(name, {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: template(name, `example.invalid/${name}:1`),
          strategy: { canary: { steps: STEPS } },
        }),
    );
    const one = await work.head();
    await waitAppsAt(one, 150_000);
    const stable = new Map<string, string>();
    await eventually(async () => {
      for (let i = 0; i < ROLLOUTS; i++) {
        const r = rec.rollouts.get(`${ns}/web-${i}`);
        expect(r?.status?.phase, `web-${i}`).toBe('Healthy');
        stable.set(`web-${i}`, r?.status?.stableRS as string);
      }
    }, 120_000);
    // Every replica did part of the work.
    for (const ctl of replicas.values()) expect(handled(ctl, 'Application').size).toBeGreaterThan(0);

    // SIGKILL shard-a while AnalysisRuns of its Rollouts measure.
    const a = replicas.get('shard-a') as ControllerProcess;
    const aRollouts = handled(a, 'Rollout');
    expect(aRollouts.size).toBeGreaterThan(0);
    await mapLimit([...stable.keys()], 8, (name) => ro.setImage(name, `example.invalid/${name}:2`));
    let killedA = 0;
    let aLeases: string[] = [];
    await rec.whenRun(
      (r) =>
        r.status?.phase === 'Running' &&
        measurements(r).length >= 1 &&
        r.metadata.ownerReferences?.some((o) => aRollouts.has(o.name)) === true,
      () => {
        a.child.kill('SIGKILL');
        killedA = Date.now();
        aLeases = history.heldBy('shard-a');
      },
      120_000,
    );
    await waitFairShare(['shard-b', 'shard-c']);
    const takeoverA = expectTakenAtExpiry(await takenFrom('shard-a', aLeases), killedA);
    await eventually(async () => {
      for (const [name, h1] of stable) {
        const r = rec.rollouts.get(`${ns}/${name}`);
        expect(r?.status?.phase, name).toBe('Healthy');
        expect(r?.status?.stableRS, name).not.toBe(h1);
        expect(r?.status?.currentPodHash).toBe(r?.status?.stableRS);
      }
    }, 150_000);

    // SIGKILL shard-b while the Applications sync the next commit; then shard-d joins.
    const b = replicas.get('shard-b') as ControllerProcess;
    let killedB = 0;
    let bLeases: string[] = [];
    let synced = 0;
    const two = await new Promise<string>((resolve, reject) => {
      let sha = '';
      const onUpdate = (app: Application) => {
        if (!sha || killedB || !readyAt(app, sha)) return;
        synced = apps.list().filter((x) => readyAt(x, sha)).length;
        b.child.kill('SIGKILL');
        killedB = Date.now();
        bLeases = history.heldBy('shard-b');
        resolve(sha);
      };
      apps.on('update', onUpdate);
      push('two').then((s) => {
        sha = s;
      }, reject);
    });
    expect(synced).toBeLessThan(APPS);
    await waitFairShare(['shard-c']);
    const takeoverB = expectTakenAtExpiry(await takenFrom('shard-b', bLeases), killedB);
    await replica('shard-d');
    await waitFairShare(['shard-c', 'shard-d']);
    await waitAppsAt(two, 150_000);
    const cms = await cluster.api.list<KubeObject & { data?: Record<string, string> }>(configMaps, ns);
    const data = cms.items.filter((c) => c.metadata.name.startsWith('app-'));
    expect(data).toHaveLength(APPS * 3);
    expect(data.filter((c) => c.data?.commit !== 'two').map((c) => c.metadata.name)).toEqual([]);

    // SIGTERM shard-c: it finishes its reconciles and releases its shards, which shard-d takes
    // from the released Leases, without waiting for them to expire.
    const c = replicas.get('shard-c') as ControllerProcess;
    const cLeases = history.heldBy('shard-c');
    expect(cLeases.length).toBeGreaterThan(0);
    const terminatedC = Date.now();
    await c.stop('SIGTERM');
    await waitFairShare(['shard-d']);
    const released = await takenFrom('shard-c', cLeases);
    for (const h of released) {
      expect(h.next.holderIdentity, h.lease).toBe('');
      expect(h.newHolder, h.lease).toBe('shard-d');
      expect(h.acquired - h.lastRenewed, h.lease).toBeLessThan(h.leaseDurationMs);
    }
    const handoverC = spread(released.map((h) => h.acquired - terminatedC));

    // No step, ReplicaSet or AnalysisRun twice.
    for (const [name, h1] of stable) {
      const h2 = rec.rollouts.get(`${ns}/${name}`)?.status?.stableRS as string;
      expect(rec.steps(name, h2), name).toEqual([0, 1, 2, 3]);
      expect((await ro.replicaSets(name)).map((rs) => rs.metadata.name).sort()).toEqual(
        [`${name}-${h1}`, `${name}-${h2}`].sort(),
      );
      const runs = await ro.runs(name);
      expect(runs.map((r) => [r.metadata.name, r.status?.phase])).toEqual([
        [`${name}-${h2}-1`, 'Successful'],
      ]);
    }
    expect(rec.recreatedRuns()).toEqual([]);

    // Each (shard, term) was handled by one replica; each object stayed in one shard.
    const byTerm = new Map<string, Set<string>>();
    const byObject = new Map<string, Set<number>>();
    for (const [name, ctl] of replicas)
      for (const l of ctl.logs as LogLine[]) {
        if (typeof l.shard !== 'number' || typeof l.term !== 'number' || l.namespace !== ns) continue;
        const term = `${l.shard}/${l.term}`;
        byTerm.set(term, (byTerm.get(term) ?? new Set()).add(name));
        if (typeof l.kind === 'string' && typeof l.name === 'string') {
          const obj = `${l.kind}/${l.name}`;
          byObject.set(obj, (byObject.get(obj) ?? new Set()).add(l.shard));
        }
      }
    const shared = [...byTerm].filter(([, names]) => names.size > 1);
    expect(shared).toEqual([]);
    expect([...byObject].filter(([, shards]) => shards.size > 1)).toEqual([]);
    // Both kills moved shards into new terms, so the check above covered handovers.
    const termsPerShard = new Map<string, number>();
    for (const t of byTerm.keys()) {
      const s = t.split('/')[0] as string;
      termsPerShard.set(s, (termsPerShard.get(s) ?? 0) + 1);
    }
    expect([...termsPerShard.values()].filter((n) => n > 1).length).toBeGreaterThan(0);
    expect(byObject.size).toBeGreaterThanOrEqual(APPS + ROLLOUTS * 2);

    const afterRenewal = (moved: Handover[]) => spread(moved.map((h) => h.acquired - h.lastRenewed));
    process.stderr.write(
      `[sharding-auto] shards at start ${firstShare.join('/')}; SIGKILL mid-analysis: ${aLeases.length} shards taken over ${takeoverA} after ` +
        `(${afterRenewal(await takenFrom('shard-a', aLeases))} after their last renewal); ` +
        `SIGKILL mid-sync (${synced}/${APPS} apps at the new commit): ${bLeases.length} shards ${takeoverB} after ` +
        `(${afterRenewal(await takenFrom('shard-b', bLeases))} after their last renewal; Lease 15 s); ` +
        `SIGTERM: ${released.length} shards taken ${handoverC} after; ` +
        `(shard, term) pairs ${byTerm.size}, objects ${byObject.size}\n`,
    );
  }, 600_000);
});
