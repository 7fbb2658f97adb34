// The bad-input corpus, git and kubectl channels: every case's first commit (a marker
// ConfigMap) is applied, then one commit carrying every case's bad content is pushed to a real
// git server. Each Application must say what is wrong (condition, Stalled, Warning Event, log
// line) and keep its first commit applied. The kubectl cases are refused by the API server
// and leave the live object as it was.

import { symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { waitForCondition } from '../control-plane/wait-condition.ts';
import {
  CORPUS_DIR,
  type GitCase,
  generatedContent,
  loadCases,
  type ObjectRef,
} from '../support/bad-input.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, type ServedRepo, startGitServers } from '../support/git/index.ts';
import type { WorkTree } from '../support/git/repos.ts';
import { applyObject, condition, configMapsOnlyAccount, gitRepository } from '../support/kinds.ts';

const cluster = testCluster();
const gitCases = loadCases('git');
const kubectlCases = loadCases('kubectl');
const SHARED = 'shared';
const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
let ns: string;
let git: GitServers;
let ctl: ControllerProcess;
/** Per case: its repository, work tree and the revision that must stay applied. */
const repos = new Map<string, { repo: ServedRepo; work: WorkTree; good: string; prefix: string }>();
/** Per repository name: the bad commit. */
const badCommits = new Map<string, string>();

const marker = (id: string, version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${id}-marker\ndata:\n  version: "${version}"\n`;

const ownsRepository = (c: GitCase) => c.setup?.ownRepository === true;
const repoName = (c: GitCase) => (ownsRepository(c) ? c.id : SHARED);

/** The case's bad content, under its folder: repo/ files, inline files, generated ones. */
function badFiles(c: GitCase, prefix: string): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = { [`${prefix}marker.yaml`]: marker(c.id, '2') };
  for (const [path, text] of Object.entries({ ...c.repoFiles, ...c.input?.files }))
    files[prefix + path] = text;
  for (const g of c.input?.generate ?? []) files[prefix + g.path] = generatedContent(g);
  return files;
}

async function reconcileNow(name: string): Promise<void> {
  await cluster.kubectl([
    'annotate',
    '--overwrite',
    '-n',
    ns,
    `gitrepository/${name}`,
    `sluice.dev/reconcile-requested-at=${Date.now()}`,
  ]);
}

async function absent(ref: ObjectRef): Promise<string> {
  const group = ref.apiVersion?.includes('/') ? `.${ref.apiVersion.split('/')[0]}` : '';
  return cluster.kubectl([
    'get',
    `${ref.kind.toLowerCase()}${group}`,
    ref.name,
    '-n',
    ref.namespace ?? ns,
    '--ignore-not-found',
    '-o',
    'name',
  ]);
}

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'bad-input-git');
  git = await startGitServers();
  await cluster.kubectl(['apply', '-f', join(CORPUS_DIR, 'fixtures/gadget-crd.yaml')]);
  await waitForCondition(cluster.kubectl, ['crd/gadgets.badinput.sluice.dev'], 'Established');
  // The limited account of the impersonation cases: ConfigMaps in this namespace, nothing else.
  await configMapsOnlyAccount(cluster, ns, 'tenant');

  for (const name of new Set(gitCases.map(repoName))) {
    const repo = await git.createRepo(`${name}.git`);
    const work = await git.workTree(repo);
    const cases = gitCases.filter((c) => repoName(c) === name);
    const prefix = (c: GitCase) => (ownsRepository(c) ? '' : `${c.id}/`);
    const files = Object.fromEntries(cases.map((c) => [`${prefix(c)}marker.yaml`, marker(c.id, '1')]));
    const good = await work.commitAndPush(files, 'good', repo.remote('git'));
    for (const c of cases) repos.set(c.id, { repo, work, good, prefix: prefix(c) });
  }
  ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/cache`, '--max-artifact-bytes=32Mi'],
    env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
  });
  for (const name of new Set(gitCases.map(repoName))) {
    const { repo } = [...repos.values()].find((r) => r.repo.name === `${name}.git`) as { repo: ServedRepo };
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, name, { url: repo.urls.git, interval: '1h' }),
    );
  }
  for (const c of gitCases) {
    const app: Application = {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: c.id, namespace: ns },
      spec: {
        sourceRef: { kind: 'GitRepository', name: repoName(c) },
        path: repos.get(c.id)?.prefix || '.',
        interval: '1h',
        prune: true,
        ...(c.setup?.serviceAccountName ? { serviceAccountName: c.setup.serviceAccountName } : {}),
      },
    };
    await applyObject(cluster.api, applicationResource, app);
  }
  await eventually(
    async () => {
      for (const c of gitCases) {
        const app = await cluster.api.get<Application>(applicationResource, ns, c.id);
        const ready = condition(app, 'Ready');
        expect(ready?.status, `${c.id}: ${ready?.message}`).toBe('True');
        expect(app.status?.lastAppliedRevision).toBe(`main@sha1:${repos.get(c.id)?.good}`);
      }
    },
    180_000,
    1_000,
  );

  // Bad paths and specs first, so they are judged against the bad commit as well as the good one.
  for (const c of gitCases.filter((c) => c.input?.appPath || c.input?.appSpec)) {
    const path = c.input?.appPath ? { path: `${repos.get(c.id)?.prefix}${c.input.appPath}` } : {};
    await cluster.kubectl([
      'patch',
      '-n',
      ns,
      `application/${c.id}`,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { ...path, ...c.input?.appSpec } }),
    ]);
  }
  // The bad commits: one in the shared repository for every case, one per own repository.
  for (const name of new Set(gitCases.map(repoName))) {
    const cases = gitCases.filter((c) => repoName(c) === name);
    const { work, repo } = repos.get(cases[0]?.id as string) as { work: WorkTree; repo: ServedRepo };
    for (const c of cases) {
      const prefix = repos.get(c.id)?.prefix ?? '';
      await work.writeFiles(badFiles(c, prefix));
      for (const [link, target] of Object.entries(c.input?.symlinks ?? {})) {
        const at = join(work.dir, prefix, link);
        await work.writeFiles({ [join(dirname(prefix + link), '.keep')]: '' });
        await symlink(target, at);
      }
    }
    badCommits.set(name, await work.commit('bad input'));
    await work.push(repo.remote('git'));
    await reconcileNow(name);
  }
}, 420_000);

afterAll(async () => {
  // BAD_INPUT_DUMP=1 prints every Application's Ready condition, for a quick post-mortem.
  if (process.env.BAD_INPUT_DUMP && ns) {
    const apps = await cluster.api.list<Application>(applicationResource, ns);
    for (const a of apps.items) {
      const r = condition(a, 'Ready');
      process.stderr.write(`${a.metadata.name}: ${r?.status} ${r?.reason} ${r?.message}\n`);
    }
  }
  await ctl?.stop();
  await git?.stop();
  if (ns) await deleteNamespace(cluster.api, ns);
});

describe('bad input through git', () => {
  it.each(gitCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const kind = c.expect.object ?? 'Application';
    const rt = kind === 'GitRepository' ? gitRepositoryResource : applicationResource;
    const name = kind === 'GitRepository' ? repoName(c) : c.id;
    const want = c.expect.condition;
    const bad = `main@sha1:${badCommits.get(repoName(c))}`;
    // Judged once the bad commit has been tried, so a wrong reason fails at once.
    const obj = await eventually(
      async () => {
        const o = await cluster.api.get<Application | GitRepository>(rt, ns, name);
        // A bad spec stalls before any revision is tried: judged once that spec was seen.
        if (kind === 'Application' && c.input?.appSpec)
          expect(o.status?.observedGeneration).toBe(o.metadata.generation);
        else if (kind === 'Application') expect((o as Application).status?.lastAttemptedRevision).toBe(bad);
        expect(condition(o, want.type)?.status).toBe(want.status);
        return o;
      },
      120_000,
      500,
    );
    const got = condition(obj, want.type);
    expect({ reason: got?.reason, message: got?.message }).toEqual({
      reason: want.reason,
      message: expect.stringContaining(want.message),
    });
    if (c.expect.stalled) expect(condition(obj, 'Stalled')?.status).toBe('True');

    const event = await eventually(async () => {
      const list = await cluster.api.list<KubeObject>(core.events, ns);
      const found = list.items.find(
        (e) =>
          (e.regarding as { name?: string } | undefined)?.name === name &&
          (e.regarding as { kind?: string } | undefined)?.kind === kind &&
          e.reason === c.expect.event.reason &&
          String(e.note).includes(want.message),
      );
      expect(found, `${c.expect.event.reason} event for ${kind} ${name}`).toBeDefined();
      return found as KubeObject;
    });
    expect(event.type).toBe(c.expect.event.type);
    await ctl.waitForLog(
      (l) => l.msg === c.expect.log.msg && l.reason === c.expect.log.reason && l.name === name,
    );

    // Nothing of the bad commit reached the cluster: the first commit stays applied.
    const app = await cluster.api.get<Application>(applicationResource, ns, c.id);
    expect(app.status?.lastAppliedRevision).toBe(`main@sha1:${repos.get(c.id)?.good}`);
    const cm = await cluster.api.get<KubeObject & { data?: Record<string, string> }>(
      configMaps,
      ns,
      `${c.id}-marker`,
    );
    expect(cm.data?.version).toBe('1');
    for (const ref of c.expect.absent ?? []) expect(await absent(ref), JSON.stringify(ref)).toBe('');
  });
});

describe('bad input through kubectl apply', () => {
  it.each(kubectlCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    await cluster.kubectl(['apply', '-n', ns, '-f', '-'], c.input.good);
    await expect(cluster.kubectl(['apply', '-n', ns, '-f', '-'], c.input.bad)).rejects.toThrow(
      c.expect.refused.message,
    );
    const good = parse(c.input.good) as {
      kind: string;
      apiVersion: string;
      metadata: { name: string };
      spec: unknown;
    };
    const live = JSON.parse(
      await cluster.kubectl([
        'get',
        '-n',
        ns,
        `${good.kind.toLowerCase()}.${good.apiVersion.split('/')[0]}`,
        good.metadata.name,
        '-o',
        'json',
      ]),
    ) as { spec: unknown };
    expect(live.spec).toMatchObject(good.spec as Record<string, unknown>);
  });
});
