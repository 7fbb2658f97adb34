// Per-object sync options (Argo CD's sync-options, Flux's kustomize-controller annotations),
// Argo CD's CreateNamespace and Flux's reconcile request on the real control plane, each
// pushed to a real git server as a team would write it.
//
// Under kwok a Job's pod completes on its own (test/control-plane/build.sh), so a Job here
// becomes Complete; a Deployment that must stay unhealthy selects nodes by a label the test
// puts on a kwok node when it may become healthy.

import { afterAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm } from '../support/apps.ts';
import { deleteNamespace, eventually } from '../support/cluster.ts';
import { applyObject, condition } from '../support/kinds.ts';

const jobs: ResourceType = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };
const crds: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
};
const GIZMO_GROUP = 'options-e2e.sluice.dev';
const gizmos: ResourceType = {
  group: GIZMO_GROUP,
  version: 'v1',
  kind: 'Gizmo',
  plural: 'gizmos',
  namespaced: true,
};
const GATE_LABEL = 'e2e.sluice.dev/options-prune-last';

const annotated = (lines: Record<string, string>) =>
  `  annotations:\n${Object.entries(lines)
    .map(([k, v]) => `    ${k}: "${v}"`)
    .join('\n')}\n`;

const job = (name: string, image: string, annotations: Record<string, string> = {}) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
${Object.keys(annotations).length > 0 ? annotated(annotations) : ''}spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: run, image: ${image}}]
`;

const gatedDeployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      nodeSelector: {${GATE_LABEL}: open}
      containers: [{name: app, image: example.invalid/${name}:1}]
`;

const gizmoCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.${GIZMO_GROUP}
spec:
  group: ${GIZMO_GROUP}
  names: {kind: Gizmo, plural: gizmos, singular: gizmo, listKind: GizmoList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const suite = appSuite('syncopts', {
  files: {
    'prune/plain.yaml': cm('plain', { a: '1' }),
    'prune/argo-keep.yaml': cm(
      'argo-keep',
      { a: '1' },
      annotated({ 'argocd.argoproj.io/sync-options': 'Prune=false' }),
    ),
    'prune/flux-keep.yaml': cm(
      'flux-keep',
      { a: '1' },
      annotated({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }),
    ),
    'prune/stays.yaml': cm('stays', { a: '1' }),
    'prune-last/last.yaml': cm(
      'last',
      { a: '1' },
      annotated({ 'argocd.argoproj.io/sync-options': 'PruneLast=true' }),
    ),
    'prune-last/early.yaml': cm('early', { a: '1' }),
    'ssa/create-only.yaml': cm(
      'create-only',
      { v: '1' },
      annotated({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }),
    ),
    'ssa/ignored.yaml': cm('ignored', { v: '1' }, annotated({ 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' })),
    'ssa/disabled.yaml': cm(
      'disabled',
      { v: 'git' },
      annotated({ 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }),
    ),
    'ssa/merged.yaml': cm(
      'merged',
      { a: 'git', c: 'git' },
      annotated({ 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' }),
    ),
    'jobs/flux.yaml': job('flux-job', 'example.invalid/run:1'),
    'jobs/argo.yaml': job('argo-job', 'example.invalid/run:1', {
      'argocd.argoproj.io/sync-options': 'Replace=true,Force=true',
    }),
    'ns/config.yaml': cm('in-made-namespace', { a: '1' }),
    'crd/gizmo.yaml': `apiVersion: ${GIZMO_GROUP}/v1
kind: Gizmo
metadata:
  name: widget
  annotations:
    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true
spec: {size: 3}
`,
    // Replace=true with Validate=false: created with fieldValidation=Ignore, so the API server
    // drops a field the CRD's schema does not have instead of refusing it.
    'crd/loose.yaml': `apiVersion: ${GIZMO_GROUP}/v1
kind: Gizmo
metadata:
  name: loose
  annotations:
    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true,Replace=true,Validate=false,ServerSideApply=false
spec: {size: 1}
notAField: dropped
`,
  },
});
const { cluster, application, getApp, waitApplied, cmData } = suite;

const create = (name: string, spec: Partial<Application['spec']>) =>
  applyObject(cluster.api, applicationResource, application(name, spec));
const inventory = async (name: string) =>
  ((await getApp(name)).status?.inventory?.entries ?? []).map((e) => e.id).sort();

async function events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
  const list = await cluster.api.list<KubeObject>(core.events, suite.ns);
  return list.items
    .filter((e) => (e.regarding as { name?: string } | undefined)?.name === name)
    .map((e) => ({ reason: String(e.reason), note: String(e.note), type: String(e.type) }));
}

afterAll(async () => {
  if (suite.ns) await deleteNamespace(cluster.api, `${suite.ns}-made`).catch(() => undefined);
  await cluster.api.delete(crds, undefined, `gizmos.${GIZMO_GROUP}`).catch(() => undefined);
});

describe('per-object sync options', () => {
  it("keeps Prune=false and Flux's prune: disabled objects when they leave git", async () => {
    await create('prune', { path: 'prune' });
    const head = await suite.work.head();
    await waitApplied('prune', head);
    expect(await cmData('argo-keep')).toEqual({ a: '1' });
    const sha = await suite.push(
      { 'prune/plain.yaml': null, 'prune/argo-keep.yaml': null, 'prune/flux-keep.yaml': null },
      'remove three',
    );
    await waitApplied('prune', sha);
    await eventually(async () => expect(await cmData('plain')).toBeUndefined());
    expect(await cmData('argo-keep')).toEqual({ a: '1' });
    expect(await cmData('flux-keep')).toEqual({ a: '1' });
    expect(await inventory('prune')).toEqual([`${suite.ns}_stays__ConfigMap`]);
  });

  it('prunes a PruneLast=true object only once everything applied is healthy', async () => {
    await create('prune-last', { path: 'prune-last', timeout: '5m' });
    await waitApplied('prune-last', await suite.work.head());
    const sha = await suite.push(
      {
        'prune-last/last.yaml': null,
        'prune-last/early.yaml': null,
        'prune-last/web.yaml': gatedDeployment('gated-web'),
      },
      'replace config by a web app',
    );
    await eventually(async () => {
      const app = await getApp('prune-last');
      expect(condition(app, 'Ready')?.message).toContain(
        `before pruning ${suite.ns}_last__ConfigMap (PruneLast=true)`,
      );
    }, 45_000);
    // The ordinary object went at once; the PruneLast one waits for the Deployment.
    expect(await cmData('early')).toBeUndefined();
    expect(await cmData('last')).toEqual({ a: '1' });

    const node = (await cluster.kubectl(['get', 'nodes', '-o', 'name'])).split('\n')[0] as string;
    await cluster.kubectl(['label', node, `${GATE_LABEL}=open`, '--overwrite']);
    await waitApplied('prune-last', sha);
    expect(await cmData('last')).toBeUndefined();
  });

  it('creates IfNotPresent objects once, never sends Ignore or reconcile: disabled ones, and merges Merge ones', async () => {
    const ns = suite.ns;
    // What other tools wrote before the Application: a field manager of their own.
    await cluster.kubectl(
      ['apply', '--server-side', '--field-manager=team-tool', '-n', ns, '-f', '-'],
      `${cm('merged', { a: 'team', b: 'team' })}---\n${cm('disabled', { v: 'by-hand' })}`,
    );
    await create('ssa', { path: 'ssa' });
    const first = await waitApplied('ssa', await suite.work.head());
    expect(await cmData('create-only')).toEqual({ v: '1' });
    // Ignore: never created; reconcile: disabled: left as it is. Both stay in the inventory.
    expect(await cmData('ignored')).toBeUndefined();
    expect(await cmData('disabled')).toEqual({ v: 'by-hand' });
    expect((first.status?.inventory?.entries ?? []).map((e) => e.id).sort()).toEqual(
      ['create-only', 'disabled', 'ignored', 'merged'].map((n) => `${ns}_${n}__ConfigMap`),
    );
    // Merge: the field another manager owns keeps its value; the others are applied.
    expect(await cmData('merged')).toEqual({ a: 'team', b: 'team', c: 'git' });

    await cluster.kubectl([
      'patch',
      'configmap',
      'create-only',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"v":"hand"}}',
    ]);
    const sha = await suite.push(
      {
        'ssa/create-only.yaml': cm(
          'create-only',
          { v: '2' },
          annotated({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }),
        ),
        'ssa/disabled.yaml': cm(
          'disabled',
          { v: 'git-2' },
          annotated({ 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }),
        ),
      },
      'new values',
    );
    await waitApplied('ssa', sha);
    expect(await cmData('create-only')).toEqual({ v: 'hand' });
    expect(await cmData('disabled')).toEqual({ v: 'by-hand' });
    // Deleted by hand, an IfNotPresent object is created again at the next sync.
    await cluster.kubectl(['delete', 'configmap', 'create-only', '-n', ns]);
    await cluster.kubectl([
      'annotate',
      '--overwrite',
      '-n',
      ns,
      'application/ssa',
      `sluice.dev/reconcile-requested-at=${Date.now()}`,
    ]);
    await eventually(async () => expect(await cmData('create-only')).toEqual({ v: '2' }));
  });

  it('fails on an immutable field naming it and the way out, and re-creates with force: Enabled or Replace=true,Force=true', async () => {
    const ns = suite.ns;
    await create('jobs', { path: 'jobs' });
    const head = await suite.work.head();
    await waitApplied('jobs', head);
    const uid = async (name: string) => (await cluster.api.get<KubeObject>(jobs, ns, name)).metadata.uid;
    const fluxUid = await uid('flux-job');
    const argoUid = await uid('argo-job');

    const bad = await suite.push(
      { 'jobs/flux.yaml': job('flux-job', 'example.invalid/run:2') },
      'flux job v2',
    );
    const stalled = await eventually(async () => {
      const app = await getApp('jobs');
      expect(app.status?.lastAttemptedRevision).toBe(`main@sha1:${bad}`);
      expect(condition(app, 'Stalled')?.status).toBe('True');
      return app;
    }, 45_000);
    const message = condition(stalled, 'Ready')?.message;
    expect(message).toContain(`Job ${ns}/flux-job (jobs/flux.yaml): immutable field spec.template changed`);
    expect(message).toContain(
      'set kustomize.toolkit.fluxcd.io/force: Enabled or argocd.argoproj.io/sync-options: Replace=true,Force=true',
    );
    // The last good revision stays applied.
    expect(stalled.status?.lastAppliedRevision).toBe(`main@sha1:${head}`);
    expect(await uid('flux-job')).toBe(fluxUid);

    const sha = await suite.push(
      {
        'jobs/flux.yaml': job('flux-job', 'example.invalid/run:2', {
          'kustomize.toolkit.fluxcd.io/force': 'Enabled',
        }),
        'jobs/argo.yaml': job('argo-job', 'example.invalid/run:2', {
          'argocd.argoproj.io/sync-options': 'Replace=true,Force=true',
        }),
      },
      'both jobs v2, allowed to re-create',
    );
    await waitApplied('jobs', sha);
    for (const [name, before] of [
      ['flux-job', fluxUid],
      ['argo-job', argoUid],
    ] as const) {
      const live = await cluster.api.get<
        KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }
      >(jobs, ns, name);
      expect(live.metadata.uid).not.toBe(before);
      expect(live.spec.template.spec.containers[0]?.image).toBe('example.invalid/run:2');
    }
    const replaced = await eventually(async () => {
      const list = (await events('jobs')).filter((e) => e.reason === 'Replaced');
      expect(list.length).toBe(2);
      return list;
    });
    // A PUT of the manifest also drops the selector the API server generated: that is the
    // field named for the Argo CD Job.
    expect(replaced.map((e) => [e.type, e.note]).sort()).toEqual([
      ['Normal', 'replaced Job/argo-job: immutable field spec.selector changed'],
      ['Normal', 'replaced Job/flux-job: immutable field spec.template changed'],
    ]);
  });

  it('lets a custom resource whose CRD another tool installs pass validation with SkipDryRunOnMissingResource', async () => {
    await create('crd', { path: 'crd' });
    // No CRD yet: the sync cannot apply the Gizmo, and says so without stalling.
    await eventually(async () => {
      const app = await getApp('crd');
      expect(condition(app, 'Ready')?.status).toBe('False');
      expect(condition(app, 'Ready')?.message).toContain('Gizmo');
    }, 45_000);
    await cluster.kubectl(['apply', '-f', '-'], gizmoCrd);
    await waitApplied('crd', await suite.work.head());
    const gizmo = await cluster.api.get<KubeObject & { spec: { size: number } }>(gizmos, suite.ns, 'widget');
    expect(gizmo.spec.size).toBe(3);
    const loose = await cluster.api.get<KubeObject>(gizmos, suite.ns, 'loose');
    expect(loose.spec).toEqual({ size: 1 });
    expect(loose.notAField).toBeUndefined();
  });
});

describe('Application options', () => {
  it('creates the target namespace with CreateNamespace=true, labelled with the Application', async () => {
    const target = `${suite.ns}-made`;
    await create('made', {
      path: 'ns',
      targetNamespace: target,
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    });
    const app = await waitApplied('made', await suite.work.head());
    const namespace = await cluster.api.get<KubeObject>(core.namespaces, undefined, target);
    expect(namespace.metadata.labels).toMatchObject({
      'sluice.dev/app-name': 'made',
      'sluice.dev/app-namespace': suite.ns,
    });
    expect(await cmData('in-made-namespace', target)).toEqual({ a: '1' });
    // Not in the inventory: never pruned as the Application's object.
    expect((app.status?.inventory?.entries ?? []).map((e) => e.id)).toEqual([
      `${target}_in-made-namespace__ConfigMap`,
    ]);
    expect((await events('made')).map((e) => e.reason)).toContain('NamespaceCreated');
  });

  it("takes Flux's reconcile.fluxcd.io/requestedAt as a reconcile request, on Applications and GitRepositories", async () => {
    const target = `${suite.ns}-made`;
    await cluster.kubectl(['delete', 'configmap', 'in-made-namespace', '-n', target]);
    const requested = new Date().toISOString();
    await cluster.kubectl([
      'annotate',
      '--overwrite',
      '-n',
      suite.ns,
      'application/made',
      `reconcile.fluxcd.io/requestedAt=${requested}`,
    ]);
    await eventually(async () =>
      expect((await getApp('made')).status?.lastHandledReconcileAt).toBe(requested),
    );
    // The requested reconcile is a full sync: what was deleted by hand is there again.
    await eventually(async () => expect(await cmData('in-made-namespace', target)).toEqual({ a: '1' }));
    await cluster.kubectl([
      'annotate',
      '--overwrite',
      '-n',
      suite.ns,
      'gitrepository/repo',
      `reconcile.fluxcd.io/requestedAt=${requested}`,
    ]);
    await eventually(async () => {
      const repo = await cluster.api.get<KubeObject & { status?: { lastHandledReconcileAt?: string } }>(
        gitRepositoryResource,
        suite.ns,
        'repo',
      );
      expect(repo.status?.lastHandledReconcileAt).toBe(requested);
    });
  });

  it('refuses an Application sync option Sluice does not have, naming the field', async () => {
    const app = application('refused', { path: 'ns' });
    const spec = { ...app.spec, syncPolicy: { syncOptions: ['CreateNamespace=true', 'PruneLast=true'] } };
    await expect(cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ ...app, spec }))).rejects.toThrow(
      /spec\.syncPolicy\.syncOptions\[1\]: Unsupported value: "PruneLast=true"/,
    );
  });
});
