// `kubectl sluice diff` predicts the next sync. In each case the Application is suspended, a
// commit is fetched, every object the Application tracks is read and diff is run; then the sync
// is let go and the objects are read again. What changed in between, printed the way diff
// prints it, must be exactly what diff printed: for a Service whose selector a Rollout pins, for
// an Application applied as its own ServiceAccount, and for a prune.

import { beforeAll, describe, expect, it } from 'vitest';
import { changeDiff } from '../../cli/diff/diff-command.ts';
import { comparable, toYaml } from '../../cli/diff/normalize.ts';
import { applicationResource } from '../../controller/api/application.ts';
import { rolloutResource } from '../../controller/api/rollout.ts';
import { APP_NAME_LABEL } from '../../controller/apps/manifest.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm, configMaps, webRolloutYaml } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { applyObject, condition, configMapsOnlyAccount } from '../support/kinds.ts';
import { sluice as run } from '../support/kubectl-sluice.ts';
import { POD_TEMPLATE_HASH_LABEL as HASH_LABEL, type ServiceLike } from '../support/rollouts.ts';

const service = (name: string, labels = '') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
${labels}spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

const rollout = webRolloutYaml('      stableService: web-stable\n      canaryService: web-canary\n');

const OPT_OUT = '  annotations:\n    sluice.dev/prune: disabled\n';

const suite = appSuite('diff-predicts', {
  files: {
    'rollout/rollout.yaml': rollout,
    'rollout/stable.yaml': service('web-stable'),
    'rollout/canary.yaml': service('web-canary'),
    'tenant/a.yaml': cm('tenant-a', { color: 'blue' }),
    'prune/keep.yaml': cm('p-keep', { v: '1' }),
    'prune/gone.yaml': cm('p-gone', { v: '1' }),
    'prune/opt-out.yaml': cm('p-opt-out', { v: '1' }, OPT_OUT),
    'prune/argo-opt-out.yaml': cm(
      'p-argo-opt-out',
      { v: '1' },
      '  annotations:\n    argocd.argoproj.io/sync-options: Prune=false\n',
    ),
    'prune/flux-opt-out.yaml': cm(
      'p-flux-opt-out',
      { v: '1' },
      '  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n',
    ),
  },
  // Every fetch and sync here is one the test asks for.
  interval: '1h',
});
const { cluster } = suite;
const sluice = (...args: string[]) => run(cluster, [...args, '-n', suite.ns]);
const TRACKED: ResourceType[] = [configMaps, core.services, core.secrets, rolloutResource];

interface Change {
  action: string;
  kind: string;
  name: string;
  diff: string;
}

/** Every object of the kinds above that carries the Application's tracking label, as diff prints it. */
async function snapshot(app: string): Promise<Map<string, { obj: KubeObject; yaml: string }>> {
  const out = new Map<string, { obj: KubeObject; yaml: string }>();
  for (const rt of TRACKED) {
    const list = await cluster.api.list<KubeObject>(rt, suite.ns, {
      labelSelector: `${APP_NAME_LABEL}=${app}`,
    });
    for (const obj of list.items) {
      const full = { ...obj, apiVersion: rt.group ? `${rt.group}/${rt.version}` : rt.version, kind: rt.kind };
      out.set(`${rt.kind}/${obj.metadata.name}`, { obj: full, yaml: toYaml(comparable(full)) });
    }
  }
  return out;
}

/** What changed between two snapshots, each change as `kubectl sluice diff` would print it. */
function happened(
  before: Map<string, { obj: KubeObject; yaml: string }>,
  after: Map<string, { obj: KubeObject; yaml: string }>,
  revision: string,
): Change[] {
  const changes: Change[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    if (b?.yaml === a?.yaml) continue;
    const obj = (a ?? b)?.obj as KubeObject;
    const action = !b ? 'create' : !a ? 'prune' : 'update';
    const c = {
      action,
      kind: obj.kind as string,
      apiVersion: obj.apiVersion as string,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      live: b?.yaml ?? '',
      desired: a?.yaml ?? '',
    } as const;
    changes.push({ action, kind: c.kind, name: c.name, diff: changeDiff(c, revision) });
  }
  return sort(changes);
}

const sort = (changes: Change[]) =>
  [...changes].sort((x, y) => `${x.kind}/${x.name}`.localeCompare(`${y.kind}/${y.name}`));

/**
 * Suspends `app`, fetches a commit of `files`, runs diff, lets the sync go and returns what
 * diff predicted beside what the sync changed.
 */
async function diffThenSync(app: string, files: Record<string, string | null>, message: string) {
  expect((await sluice('suspend', 'app', app)).code).toBe(0);
  const sha = await suite.work.commitAndPush(files, message, suite.repo.remote('git'));
  const fetched = await sluice('reconcile', 'source', 'repo', '--timeout', '60s');
  expect(fetched.code, fetched.stderr).toBe(0);
  const revision = `main@sha1:${sha}`;
  const before = await snapshot(app);
  const diff = await sluice('diff', 'app', app, '-o', 'json');
  const parsed = JSON.parse(diff.stdout) as { revision: string; changes: Change[]; errors: string[] };
  expect(parsed.revision).toBe(revision);
  const resumed = await sluice('resume', 'app', app, '--timeout', '120s');
  const after = await snapshot(app);
  const predicted = sort(
    parsed.changes.map(({ action, kind, name, diff }) => ({ action, kind, name, diff })),
  );
  return { diff, resumed, predicted, changed: happened(before, after, revision), errors: parsed.errors };
}

beforeAll(async () => {
  await configMapsOnlyAccount(cluster, suite.ns, 'tenant');
  await applyObject(
    cluster.api,
    applicationResource,
    suite.application('rollout', { path: 'rollout', interval: '1h' }),
  );
  await applyObject(
    cluster.api,
    applicationResource,
    suite.application('tenant', { path: 'tenant', interval: '1h', serviceAccountName: 'tenant' }),
  );
  await applyObject(
    cluster.api,
    applicationResource,
    suite.application('pruned', { path: 'prune', interval: '1h' }),
  );
  const sha = await suite.work.head();
  for (const app of ['rollout', 'tenant', 'pruned']) await suite.waitApplied(app, sha);
  // The Rollout has pinned both Services to its ReplicaSet.
  await eventually(async () => {
    for (const name of ['web-stable', 'web-canary']) {
      const svc = await cluster.api.get<ServiceLike>(core.services, suite.ns, name);
      expect(svc.spec.selector?.[HASH_LABEL], name).toBeDefined();
    }
  }, 120_000);
});

describe('kubectl sluice diff predicts exactly what the next sync changes', () => {
  it('for a Service whose selector a Rollout pins: the hash stays', async () => {
    const { diff, resumed, predicted, changed } = await diffThenSync(
      'rollout',
      { 'rollout/stable.yaml': service('web-stable', '  labels: {tier: front}\n') },
      'label the stable Service',
    );
    expect(diff.code, diff.stderr).toBe(1);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(predicted).toEqual(changed);
    expect(predicted.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual(['update Service/web-stable']);
    expect(predicted[0]?.diff).toContain('+    tier: front\n');
    expect(predicted[0]?.diff).not.toContain(`-    ${HASH_LABEL}`);
    const svc = await cluster.api.get<ServiceLike>(core.services, suite.ns, 'web-stable');
    expect(svc.spec.selector?.[HASH_LABEL]).toBeDefined();
  });

  it('for an Application applied as its own ServiceAccount, and one it may not write', async () => {
    const allowed = await diffThenSync(
      'tenant',
      { 'tenant/a.yaml': cm('tenant-a', { color: 'green' }), 'tenant/b.yaml': cm('tenant-b', { x: '1' }) },
      'tenant change',
    );
    expect(allowed.diff.code, allowed.diff.stderr).toBe(1);
    expect(allowed.resumed.code, allowed.resumed.stderr).toBe(0);
    expect(allowed.predicted).toEqual(allowed.changed);
    expect(allowed.predicted.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual([
      'update ConfigMap/tenant-a',
      'create ConfigMap/tenant-b',
    ]);

    // A Secret the account may not write: diff says the dry run is refused, the sync refuses
    // the whole commit, and nothing changes.
    const refused = await diffThenSync(
      'tenant',
      {
        'tenant/a.yaml': cm('tenant-a', { color: 'red' }),
        'tenant/secret.yaml':
          'apiVersion: v1\nkind: Secret\nmetadata: {name: tenant-s}\nstringData: {k: v}\n',
      },
      'tenant secret',
    );
    expect(refused.diff.code).toBe(2);
    expect(refused.errors).toEqual([
      expect.stringMatching(/^Secret .*\/tenant-s \(tenant\/secret\.yaml\): .*forbidden/),
    ]);
    expect(refused.resumed.code).not.toBe(0);
    expect(refused.changed).toEqual([]);
    const app = await suite.getApp('tenant');
    expect(condition(app, 'Ready')?.reason).toBe('ValidationFailed');
    expect(condition(app, 'Ready')?.message).toMatch(/tenant\/secret\.yaml.*forbidden/);
  });

  it('for a prune: what left git goes, what opts out stays', async () => {
    const { diff, resumed, predicted, changed } = await diffThenSync(
      'pruned',
      {
        'prune/keep.yaml': cm('p-keep', { v: '2' }),
        'prune/gone.yaml': null,
        'prune/opt-out.yaml': null,
        'prune/argo-opt-out.yaml': null,
        'prune/flux-opt-out.yaml': null,
      },
      'prune',
    );
    expect(diff.code, diff.stderr).toBe(1);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(predicted).toEqual(changed);
    expect(predicted.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual([
      'prune ConfigMap/p-gone',
      'update ConfigMap/p-keep',
    ]);
    expect(await suite.cmData('p-opt-out')).toEqual({ v: '1' });
    // Argo CD's Prune=false and Flux's prune: disabled opt out the same way.
    expect(await suite.cmData('p-argo-opt-out')).toEqual({ v: '1' });
    expect(await suite.cmData('p-flux-opt-out')).toEqual({ v: '1' });
  });
});
