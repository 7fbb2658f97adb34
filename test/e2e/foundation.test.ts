import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../controller/kube/api-errors.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { startController } from '../support/controller-process.ts';

const cluster = testCluster();
let ns: string;

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'foundation');
});
afterAll(async () => {
  await deleteNamespace(cluster.api, ns);
});

describe('the test control plane', () => {
  it('turns a Deployment into a ReplicaSet and Ready pods on kwok nodes', async () => {
    await cluster.api.create(core.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'example.invalid/web:1' }] },
        },
      },
    });
    const rs = await eventually(async () => {
      const list = await cluster.api.list(core.replicaSets, ns);
      expect(list.items).toHaveLength(1);
      return list.items[0] as KubeObject;
    });
    expect(rs.metadata.ownerReferences?.[0]?.kind).toBe('Deployment');
    const pods = await eventually(async () => {
      const list = await cluster.api.list(core.pods, ns);
      const ready = list.items.filter((p) =>
        ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some(
          (c) => c.type === 'Ready' && c.status === 'True',
        ),
      );
      expect(ready).toHaveLength(3);
      return ready;
    }, 60_000);
    for (const pod of pods) {
      expect(String((pod.spec as { nodeName?: string }).nodeName)).toMatch(/^kwok-node-/);
      expect((pod.status as { phase?: string }).phase).toBe('Running');
    }
    const dep = await cluster.api.get(core.deployments, ns, 'web');
    await eventually(async () => {
      const d = await cluster.api.get(core.deployments, ns, 'web');
      expect((d.status as { readyReplicas?: number }).readyReplicas).toBe(3);
    });
    expect(dep.metadata.name).toBe('web');
  });

  it('refuses an object that breaks a CRD schema with the server message', async () => {
    const gitRepositories = {
      group: 'sluice.dev',
      version: 'v1alpha1',
      kind: 'GitRepository',
      plural: 'gitrepositories',
      namespaced: true,
    };
    const err = await cluster.api
      .create(gitRepositories, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'GitRepository',
        metadata: { name: 'bad', namespace: ns },
        spec: { url: 'https://example.invalid/repo.git', interval: 'every minute' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(KubeApiError);
    const apiErr = err as KubeApiError;
    expect(apiErr.code).toBe(422);
    expect(apiErr.reason).toBe('Invalid');
    expect(apiErr.message).toContain('spec.interval');
  });
});

describe('the controller process', () => {
  it('serves /healthz, /readyz once synced, and Prometheus /metrics; stops on SIGTERM', async () => {
    // Confined to this file's namespace, like every controller the suite starts: files run in
    // parallel, and a controller watching every namespace would act on their objects too.
    const ctl = await startController({ kubeconfig: cluster.kubeconfig, namespace: ns });
    try {
      expect((await fetch(`${ctl.probeUrl}/healthz`)).status).toBe(200);
      await eventually(async () => {
        expect((await fetch(`${ctl.probeUrl}/readyz`)).status).toBe(200);
      });
      const metrics = await fetch(`${ctl.probeUrl}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      expect(text).toContain('# TYPE sluice_reconcile_duration_seconds histogram');
      expect(text).toContain('sluice_process_resident_memory_bytes');
    } finally {
      expect(await ctl.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to start without a kubeconfig instead of guessing localhost:8080', async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    const home = await mkdtemp(join(tmpdir(), 'sluice-home-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home };
    const child = spawn(process.execPath, [join(root, 'controller/main.ts'), '--http-address=127.0.0.1:0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(out).toContain('no Kubernetes configuration');
  });
});
