// spec.ignoreDifferences end to end: a field another manager sets on a Deployment stays as that
// manager set it, through drift detection and through the full sync of a later push, and
// `kubectl sluice diff` shows no change to it. Three Applications, one per path:
//
//   hpa      a real HorizontalPodAutoscaler (kube-controller-manager's, through the scale
//            subresource) raises replicas to its minReplicas; ignored by jsonPointers.
//   managers a server-side apply by another field manager sets replicas; ignored by
//            managedFieldsManagers.
//   plain    the same Deployment without ignoreDifferences: the same sequence reverts replicas,
//            which is what shows the two above could fail.
//   extraneous  an object marked compare-options IgnoreExtraneous leaves git: diff does not
//            count it, the sync still prunes it.
//
// Last, a restarted controller (which remembers nothing it applied) applies the revision again
// and still leaves the other manager's replicas alone.
//
// The HPA has no metrics to read here (no metrics API on the test control plane), but raising
// replicas below minReplicas needs none: the autoscaler does it before it looks at metrics.

import { beforeAll, describe, expect, it } from 'vitest';
import { applicationResource } from '../../controller/api/application.ts';
import type { ManagedFieldsEntry } from '../../controller/apps/managed-fields.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm, deploymentYaml as deployment } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { startController } from '../support/controller-process.ts';
import { applyObject } from '../support/kinds.ts';
import { sluice as run } from '../support/kubectl-sluice.ts';

const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-hpa}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-hpa}
  minReplicas: 3
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`;

const SCALER = 'e2e-scaler';
const IGNORE_EXTRANEOUS = '  annotations:\n    argocd.argoproj.io/compare-options: IgnoreExtraneous\n';

const suite = appSuite('ignore-diff', {
  files: {
    'hpa/deployment.yaml': deployment('web-hpa', 1),
    'hpa/hpa.yaml': hpa,
    'hpa/settings.yaml': cm('hpa-settings', { v: '1' }),
    'managers/deployment.yaml': deployment('web-mgr', 1),
    'managers/settings.yaml': cm('mgr-settings', { v: '1' }),
    'plain/deployment.yaml': deployment('web-plain', 1),
    'plain/settings.yaml': cm('plain-settings', { v: '1' }),
    'extraneous/kept.yaml': cm('ex-kept', { v: '1' }),
    'extraneous/generated.yaml': cm('ex-generated', { v: '1' }, IGNORE_EXTRANEOUS),
  },
  interval: '1h',
});
const { cluster } = suite;
const sluice = (...args: string[]) => run(cluster, [...args, '-n', suite.ns]);

interface Deployment extends KubeObject {
  spec: { replicas: number };
}

const live = (name: string) => cluster.api.get<Deployment>(core.deployments, suite.ns, name);

/** Who owns spec.replicas in the live Deployment, by managedFields. */
async function replicasOwners(name: string): Promise<string[]> {
  const meta = (await live(name)).metadata as { managedFields?: ManagedFieldsEntry[] };
  const entries = meta.managedFields ?? [];
  return entries
    .filter((e) => (e.fieldsV1?.['f:spec'] as Record<string, unknown> | undefined)?.['f:replicas'])
    .map((e) => e.manager ?? '');
}

async function driftEvents(): Promise<string[]> {
  const list = await cluster.api.list<KubeObject>(core.events, suite.ns);
  return list.items.filter((e) => e.reason === 'DriftCorrected').map((e) => String(e.note));
}

/** An unrelated change (each Application's ConfigMap), pushed and applied by all three. */
async function pushUnrelated(v: string): Promise<string> {
  const sha = await suite.push(
    {
      'hpa/settings.yaml': cm('hpa-settings', { v }),
      'managers/settings.yaml': cm('mgr-settings', { v }),
      'plain/settings.yaml': cm('plain-settings', { v }),
    },
    `settings ${v}`,
  );
  for (const app of ['hpa', 'managers']) await suite.waitApplied(app, sha);
  expect(await suite.cmData('hpa-settings')).toEqual({ v });
  return sha;
}

beforeAll(async () => {
  const apps = [
    suite.application('hpa', {
      path: 'hpa',
      interval: '1h',
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', name: 'web-hpa', jsonPointers: ['/spec/replicas'] },
      ],
    }),
    suite.application('managers', {
      path: 'managers',
      interval: '1h',
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: [SCALER] }],
    }),
    suite.application('plain', { path: 'plain', interval: '1h' }),
    suite.application('extraneous', { path: 'extraneous', interval: '1h' }),
  ];
  for (const app of apps) await applyObject(cluster.api, applicationResource, app);
  const sha = await suite.work.head();
  for (const app of apps) await suite.waitApplied(app.metadata.name, sha);
});

describe('spec.ignoreDifferences', () => {
  it('leaves replicas to a HorizontalPodAutoscaler: no drift, kept through a push, no diff', async () => {
    // The autoscaler raised replicas to its minimum and took the field over.
    await eventually(async () => {
      expect((await live('web-hpa')).spec.replicas).toBe(3);
      expect(await replicasOwners('web-hpa')).toEqual(['kube-controller-manager']);
    }, 90_000);
    await pushUnrelated('2');
    expect((await live('web-hpa')).spec.replicas).toBe(3);
    expect(await replicasOwners('web-hpa')).toEqual(['kube-controller-manager']);
    expect((await driftEvents()).filter((n) => n.includes('web-hpa'))).toEqual([]);
    const app = await suite.getApp('hpa');
    expect(app.status?.syncStatus).toBe('Synced');
    expect(app.status?.history?.map((h) => h.message ?? '')).not.toContain('drift corrected');
    const diff = await sluice('diff', 'app', 'hpa');
    expect(diff.code, `${diff.stdout}${diff.stderr}`).toBe(0);
    expect(diff.stdout).not.toContain('replicas');
  });

  it('leaves to a field manager the fields it owns (managedFieldsManagers)', async () => {
    await cluster.kubectl(
      ['apply', '--server-side', `--field-manager=${SCALER}`, '--force-conflicts', '-n', suite.ns, '-f', '-'],
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-mgr}\nspec: {replicas: 4}\n',
    );
    expect(await replicasOwners('web-mgr')).toEqual([SCALER]);
    await pushUnrelated('3');
    expect((await live('web-mgr')).spec.replicas).toBe(4);
    expect(await replicasOwners('web-mgr')).toEqual([SCALER]);
    expect((await driftEvents()).filter((n) => n.includes('web-mgr'))).toEqual([]);
    const diff = await sluice('diff', 'app', 'managers');
    expect(diff.code, `${diff.stdout}${diff.stderr}`).toBe(0);
  });

  it('without it, the same scaling is reverted as drift, and diff and a push revert it too', async () => {
    // Drift: re-applied at once.
    await cluster.kubectl(['scale', '-n', suite.ns, 'deployment/web-plain', '--replicas=4']);
    await eventually(async () => {
      expect((await driftEvents()).some((n) => n.includes('web-plain'))).toBe(true);
      expect((await live('web-plain')).spec.replicas).toBe(1);
    });
    // Suspended, so only the next sync can revert it: diff says it will, and a push does.
    expect((await sluice('suspend', 'app', 'plain')).code).toBe(0);
    await cluster.kubectl(['scale', '-n', suite.ns, 'deployment/web-plain', '--replicas=4']);
    const sha = await pushUnrelated('4');
    const diff = await sluice('diff', 'app', 'plain');
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain('-  replicas: 4\n+  replicas: 1\n');
    expect((await live('web-plain')).spec.replicas).toBe(4);
    const resumed = await sluice('resume', 'app', 'plain', '--timeout', '120s');
    expect(resumed.code, resumed.stderr).toBe(0);
    await suite.waitApplied('plain', sha);
    expect((await live('web-plain')).spec.replicas).toBe(1);
    expect(await replicasOwners('web-plain')).toEqual(['sluice']);
  });

  it('compare-options IgnoreExtraneous: an object git no longer has does not count as a difference', async () => {
    expect((await sluice('suspend', 'app', 'extraneous')).code).toBe(0);
    const sha = await suite.work.commitAndPush(
      { 'extraneous/generated.yaml': null },
      'drop generated',
      suite.repo.remote('git'),
    );
    const fetched = await sluice('reconcile', 'source', 'repo', '--timeout', '60s');
    expect(fetched.code, fetched.stderr).toBe(0);
    const diff = await sluice('diff', 'app', 'extraneous');
    expect(diff.code, `${diff.stdout}${diff.stderr}`).toBe(0);
    expect(diff.stdout).toContain(
      `# ConfigMap ${suite.ns}/ex-generated: prune (IgnoreExtraneous: not counted)`,
    );
    expect(diff.stderr).toContain('no differences');
    expect(diff.stderr).toContain('1 extraneous to prune, ignored (IgnoreExtraneous)');
    // The sync still prunes it, as Argo CD's does.
    const resumed = await sluice('resume', 'app', 'extraneous', '--timeout', '120s');
    expect(resumed.code, resumed.stderr).toBe(0);
    await suite.waitApplied('extraneous', sha);
    expect(await suite.cmData('ex-generated')).toBeUndefined();
    expect(await suite.cmData('ex-kept')).toEqual({ v: '1' });
  });

  it('keeps leaving the fields after a controller restart, when the first sync applies everything again', async () => {
    await suite.ctl.stop('SIGKILL');
    suite.ctl = await startController({
      kubeconfig: cluster.kubeconfig,
      namespace: suite.ns,
      args: [`--cache-dir=${suite.git.rootDir}/cache`],
      env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
    });
    // The restarted controller remembers nothing it applied: it applies the synced revision again.
    await eventually(async () => {
      const op = (await suite.getApp('managers')).status?.operation;
      expect(op).toMatchObject({ replay: true, phase: 'Succeeded' });
    }, 45_000);
    expect((await live('web-mgr')).spec.replicas).toBe(4);
    expect(await replicasOwners('web-mgr')).toEqual([SCALER]);
  });
});
