// An Application's first sync creates its objects without dry-running each first, when none
// of them exists; a bad first commit must still leave the cluster as it was. On the real
// control plane, pushed to a real git server:
//  - all new and valid: created, and the sync's log says it took the creating path;
//  - all new, one refused by the API server: what was created is deleted again, and status
//    says so naming the refused object;
//  - one object already there (adopted from another tool), one refused: the dry-run runs
//    first, so the existing object is never touched.

import { describe, expect, it } from 'vitest';
import { applicationResource } from '../../controller/api/application.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { applyObject, condition } from '../support/kinds.ts';

const service = (name: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{port: 80}]
`;

/** The API server refuses it (the selector must match the template's labels), no schema could tell. */
const deployment = (name: string, templateApp: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 0
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${templateApp}}}
    spec:
      containers: [{name: app, image: example.invalid/${name}:1}]
`;

const suite = appSuite('firstsync', {
  files: {
    'fresh/config.yaml': cm('fresh-config', { v: 'git' }),
    'fresh/service.yaml': service('fresh-svc'),
    'refused/config.yaml': cm('refused-config', { v: 'git' }),
    'refused/service.yaml': service('refused-svc'),
    'refused/deployment.yaml': deployment('refused-web', 'other'),
    'adopt/config.yaml': cm('adopted', { v: 'git' }),
    'adopt/deployment.yaml': deployment('adopt-web', 'other'),
  },
});

type LogLine = Record<string, unknown>;
const stageOf = (app: string, stage: string) => (l: LogLine) =>
  l.kind === 'Application' && l.name === app && l.msg === 'sync stage' && l.stage === stage;
const create = (name: string, path: string) =>
  applyObject(suite.cluster.api, applicationResource, suite.application(name, { path }));
const exists = async (rt: ResourceType, name: string) =>
  (await suite.cluster.api.getOrUndefined(rt, suite.ns, name)) !== undefined;

async function events(name: string): Promise<{ note: string; type: string }[]> {
  const list = await suite.cluster.api.list<KubeObject>(core.events, suite.ns);
  return list.items
    .filter((e) => (e.regarding as { name?: string } | undefined)?.name === name)
    .map((e) => ({ note: String(e.note), type: String(e.type) }));
}

async function failedWith(name: string, text: string): Promise<string> {
  return eventually(async () => {
    const ready = condition(await suite.getApp(name), 'Ready');
    expect(ready?.status).toBe('False');
    expect(ready?.message).toContain(text);
    return ready?.message ?? '';
  }, 45_000);
}

describe('first sync', () => {
  it('creates new objects without dry-running them first', async () => {
    await create('fresh', 'fresh');
    await suite.waitApplied('fresh', await suite.work.head());
    expect(await suite.cmData('fresh-config')).toEqual({ v: 'git' });
    expect(await exists(core.services, 'fresh-svc')).toBe(true);
    expect(suite.ctl.logs.find(stageOf('fresh', 'apply'))?.creating).toBe(true);
    expect(suite.ctl.logs.some(stageOf('fresh', 'validate'))).toBe(false);
  });

  it('deletes what it created when the API server refuses an object, and a fix applies', async () => {
    await create('refused', 'refused');
    const deletedAgain = 'the 2 objects this first sync had created were deleted again';
    const line = await suite.ctl.waitForLog(
      (l) => l.name === 'refused' && String(l.err ?? '').includes(deletedAgain),
      45_000,
    );
    expect(String(line.err)).toContain('apply failed: Deployment');
    expect(String(line.err)).toContain('refused-web');
    await eventually(async () => {
      const warnings = (await events('refused')).filter((e) => e.type === 'Warning');
      expect(warnings.map((e) => e.note).join('\n')).toContain(deletedAgain);
    });
    await eventually(async () => {
      expect(await suite.cmData('refused-config')).toBeUndefined();
      expect(await exists(core.services, 'refused-svc')).toBe(false);
    });
    expect(await exists(core.deployments, 'refused-web')).toBe(false);

    // The next try is no first sync: it dry-runs, and is refused before anything is written.
    await suite.cluster.kubectl([
      'annotate',
      '--overwrite',
      '-n',
      suite.ns,
      'application/refused',
      `sluice.dev/reconcile-requested-at=${Date.now()}`,
    ]);
    await suite.ctl.waitForLog(stageOf('refused', 'validate'), 45_000);
    await failedWith('refused', 'validation failed');
    expect(await suite.cmData('refused-config')).toBeUndefined();

    const sha = await suite.push(
      { 'refused/deployment.yaml': deployment('refused-web', 'refused-web') },
      'fix',
    );
    await suite.waitApplied('refused', sha);
    expect(await suite.cmData('refused-config')).toEqual({ v: 'git' });
    expect(await exists(core.deployments, 'refused-web')).toBe(true);
  });

  it('dry-runs first when an object is already there, and leaves it untouched when another is refused', async () => {
    // What another tool deployed before the Application took it over.
    await suite.cluster.kubectl(
      ['apply', '--server-side', '--field-manager=other-tool', '-n', suite.ns, '-f', '-'],
      cm('adopted', { v: 'live' }),
    );
    await create('adopt', 'adopt');
    const message = await failedWith('adopt', 'validation failed');
    expect(message).toContain('adopt-web');
    expect(suite.ctl.logs.some(stageOf('adopt', 'validate'))).toBe(true);
    expect(await suite.cmData('adopted')).toEqual({ v: 'live' });
    expect(await exists(core.deployments, 'adopt-web')).toBe(false);
  });
});
