// A push re-renders only the Applications whose inputs it changed: the others take the new
// revision without rendering or applying (their objects keep resourceVersion and revision
// stamp), a change to a shared kustomize base re-renders every overlay of it, and
// argocd.argoproj.io/manifest-generate-paths declares an Application's inputs by hand.
import { beforeAll, describe, expect, it } from 'vitest';
import { applicationResource } from '../../controller/api/application.ts';
import { MANIFEST_GENERATE_PATHS } from '../../controller/apps/inputs/generate-paths.ts';
import { SOURCE_REVISION_ANNOTATION } from '../../controller/apps/revision-stamp.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm, configMaps } from '../support/apps.ts';
import { applyObject } from '../support/kinds.ts';

const suite = appSuite('paths', {
  files: {
    'apps/a/cm.yaml': cm('a', { v: '1' }),
    'apps/b/cm.yaml': cm('b', { v: '1' }),
    'apps/c/cm.yaml': cm('c', { v: '1' }),
    'bases/web/kustomization.yaml': 'resources: [cm.yaml]\n',
    'bases/web/cm.yaml': cm('web', { v: '1' }),
    'overlays/x/kustomization.yaml': 'resources: [../../bases/web]\nnamePrefix: x-\n',
    'overlays/y/kustomization.yaml': 'resources: [../../bases/web]\nnamePrefix: y-\n',
    'docs/c.md': 'c\n',
  },
});
const { cluster, application, waitApplied } = suite;

const APPS = ['a', 'b', 'c', 'x', 'y'] as const;
/** The ConfigMap each Application applies. */
const CONFIG_MAP: Record<(typeof APPS)[number], string> = { a: 'a', b: 'b', c: 'c', x: 'x-web', y: 'y-web' };

type ConfigMap = KubeObject & { data?: Record<string, string> };
const configMap = (name: string) => cluster.api.get<ConfigMap>(configMaps, suite.ns, name);

/** resourceVersion, data and revision stamp of every Application's ConfigMap. */
async function snapshot() {
  const out: Record<string, { rv?: string; v?: string; stamp?: string }> = {};
  for (const app of APPS) {
    const obj = await configMap(CONFIG_MAP[app]);
    out[app] = {
      ...(obj.metadata.resourceVersion ? { rv: obj.metadata.resourceVersion } : {}),
      ...(obj.data?.v ? { v: obj.data.v } : {}),
      ...(obj.metadata.annotations?.[SOURCE_REVISION_ANNOTATION]
        ? { stamp: obj.metadata.annotations[SOURCE_REVISION_ANNOTATION] }
        : {}),
    };
  }
  return out;
}

/** Pushes `files`, waits until every Application applied the commit, and says which rendered it. */
async function pushToAll(files: Record<string, string>, message: string) {
  const sha = await suite.push(files, message);
  for (const app of APPS) await waitApplied(app, sha);
  const revision = `main@sha1:${sha}`;
  const rendered = suite.ctl.logs
    .filter((l) => l.msg === 'synced' && l.revision === revision)
    .map((l) => String(l.name))
    .sort();
  return { revision, rendered };
}

let first: Awaited<ReturnType<typeof snapshot>>;
let initial: string;

beforeAll(async () => {
  const spec = (path: string) => ({ path });
  for (const app of ['a', 'b'] as const) {
    await applyObject(cluster.api, applicationResource, application(app, spec(`apps/${app}`)));
  }
  // c says by hand that it is made from docs/ as well as its own directory.
  const c = application('c', spec('apps/c'));
  c.metadata.annotations = { [MANIFEST_GENERATE_PATHS]: '.;/docs' };
  await applyObject(cluster.api, applicationResource, c);
  for (const app of ['x', 'y'] as const) {
    await applyObject(cluster.api, applicationResource, application(app, spec(`overlays/${app}`)));
  }
  const head = await suite.work.head();
  for (const app of APPS) await waitApplied(app, head);
  initial = `main@sha1:${head}`;
  first = await snapshot();
});

describe('a push re-renders only the Applications whose inputs it changed', () => {
  it("a change to one app's folder: that app is applied, the others only take the revision", async () => {
    const { revision, rendered } = await pushToAll({ 'apps/a/cm.yaml': cm('a', { v: '2' }) }, 'change a');
    expect(rendered).toEqual(['a']);
    const now = await snapshot();
    expect(now.a).toMatchObject({ v: '2', stamp: revision });
    expect(now.a?.rv).not.toBe(first.a?.rv);
    for (const app of ['b', 'c', 'x', 'y'] as const) expect(now[app], app).toEqual(first[app]);
    expect(first.b?.stamp).toBe(initial);
    // The history says the revision is applied, and that nothing was rendered for it.
    const b = await suite.getApp('b');
    expect(b.status?.history?.[0]).toMatchObject({ revision, message: 'inputs unchanged: not rendered' });
  });

  it('a change to a shared kustomize base re-renders every overlay of it', async () => {
    const before = await snapshot();
    const { revision, rendered } = await pushToAll({ 'bases/web/cm.yaml': cm('web', { v: '2' }) }, 'base');
    expect(rendered).toEqual(['x', 'y']);
    const now = await snapshot();
    for (const app of ['x', 'y'] as const) {
      expect(now[app], app).toMatchObject({ v: '2', stamp: revision });
      expect(now[app]?.rv, app).not.toBe(before[app]?.rv);
    }
    for (const app of ['a', 'b', 'c'] as const) expect(now[app], app).toEqual(before[app]);
  });

  it('manifest-generate-paths: the declared paths decide, as in Argo CD', async () => {
    const before = await snapshot();
    // docs/ is declared: a change there re-renders c, though its manifests did not change.
    const docs = await pushToAll({ 'docs/c.md': 'c, again\n' }, 'docs');
    expect(docs.rendered).toEqual(['c']);
    // Its own folder (`.`) is declared too.
    const own = await pushToAll({ 'apps/c/cm.yaml': cm('c', { v: '2' }) }, 'change c');
    expect(own.rendered).toEqual(['c']);
    const now = await snapshot();
    expect(now.c).toMatchObject({ v: '2', stamp: own.revision });
    for (const app of ['a', 'b', 'x', 'y'] as const) expect(now[app], app).toEqual(before[app]);
  });
});
