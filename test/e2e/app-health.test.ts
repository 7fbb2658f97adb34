// Application health from the live objects, on the real control plane. Pods that crash or
// fail come from test-only kwok stages (test/control-plane/kwok-fault-stages.yaml) keyed on
// the pod annotation `sluice.dev/test-fault`; every other pod becomes Ready as usual.

import { describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { appSuite, configMapYaml as cm } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { applyObject, condition } from '../support/kinds.ts';

/**
 * One replica of `kind` whose pod carries the fault annotation; the container is named after
 * the workload. `extra` goes under spec (JSON is YAML).
 */
const workload = (apiVersion: string, kind: string, name: string, fault: string, extra = {}) =>
  JSON.stringify({
    apiVersion,
    kind,
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { 'sluice.dev/test-fault': fault } },
        spec: { containers: [{ name, image: `example.invalid/${name}:1` }] },
      },
      ...extra,
    },
  });

const failingJob = (name: string) =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations: { 'sluice.dev/test-fault': 'Error' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'migrate', image: 'example.invalid/migrate:1' }],
        },
      },
    },
  });

const suite = appSuite('health', {
  files: {
    'crash/web.yaml': workload('apps/v1', 'Deployment', 'web', 'CrashLoopBackOff'),
    'pull/db.yaml': workload('apps/v1', 'StatefulSet', 'db', 'ImagePullBackOff', { serviceName: 'db' }),
    'oom/api.yaml': workload('sluice.dev/v1alpha1', 'Rollout', 'api', 'OOMKilled', {
      strategy: { canary: { steps: [{ setWeight: 50 }] } },
    }),
    'job/migrate.yaml': failingJob('migrate'),
    'custom/gate.yaml': cm('gate', { state: 'broken' }),
  },
});
const { cluster, application, getApp } = suite;

/** Waits until the Application's health is `status` and returns it. */
const healthOf = (name: string, status: string, timeoutMs = 60_000): Promise<Application> =>
  eventually(async () => {
    const app = await getApp(name);
    expect(app.status?.health, condition(app, 'Healthy')?.message).toBe(status);
    return app;
  }, timeoutMs);

describe('Application health', () => {
  it('is Degraded at once by a crash-looping Deployment, naming pod, container and reason', async () => {
    await applyObject(cluster.api, applicationResource, application('crash', { path: 'crash' }));
    // The progress deadline is ten minutes: Degraded within the minute is the pods' doing.
    const app = await healthOf('crash', 'Degraded');
    const message = condition(app, 'Healthy')?.message ?? '';
    expect(message).toMatch(
      new RegExp(`^Deployment ${suite.ns}/web: pod web-[a-z0-9]+-[a-z0-9]+ container web: CrashLoopBackOff`),
    );
    expect(condition(app, 'Healthy')?.status).toBe('False');
  });

  it("is Degraded by a StatefulSet's image that cannot be pulled", async () => {
    await applyObject(cluster.api, applicationResource, application('pull', { path: 'pull' }));
    const app = await healthOf('pull', 'Degraded');
    expect(condition(app, 'Healthy')?.message).toBe(
      `StatefulSet ${suite.ns}/db: pod db-0 container db: ImagePullBackOff (test fault ImagePullBackOff)`,
    );
  });

  it("is Degraded by a Rollout's pods killed for memory", async () => {
    await applyObject(cluster.api, applicationResource, application('oom', { path: 'oom' }));
    const app = await healthOf('oom', 'Degraded');
    expect(condition(app, 'Healthy')?.message).toMatch(
      new RegExp(`^Rollout ${suite.ns}/api: pod api-[a-z0-9]+-[a-z0-9]+ container api: OOMKilled`),
    );
  });

  it('is Degraded by a failed Job, with the failure reason', async () => {
    await applyObject(cluster.api, applicationResource, application('job', { path: 'job' }));
    const app = await healthOf('job', 'Degraded');
    expect(condition(app, 'Healthy')?.message).toBe(
      `Job ${suite.ns}/migrate: job failed: BackoffLimitExceeded: Job has reached the specified backoff limit`,
    );
  });

  it('judges a kind by healthCheckExprs, and follows the object as it changes', async () => {
    const exprs = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        current: "data.state == 'ready'",
        failed: "data.state == 'broken'",
      },
    ];
    await applyObject(
      cluster.api,
      applicationResource,
      application('custom', { path: 'custom', healthCheckExprs: exprs }),
    );
    const broken = await healthOf('custom', 'Degraded');
    expect(condition(broken, 'Healthy')?.message).toBe(
      `ConfigMap ${suite.ns}/gate: failed: data.state == 'broken'`,
    );
    const sha = await suite.push({ 'custom/gate.yaml': cm('gate', { state: 'ready' }) }, 'gate ready');
    await suite.waitApplied('custom', sha);
    await healthOf('custom', 'Healthy');
  });

  it('stalls on a healthCheckExprs expression that does not compile, naming kind and expression', async () => {
    const exprs = [{ apiVersion: 'example.com/v1', kind: 'Widget', current: "status.phase == 'Ready" }];
    await applyObject(
      cluster.api,
      applicationResource,
      application('bad-cel', { path: 'custom', healthCheckExprs: exprs }),
    );
    const app = await eventually(async () => {
      const a = await getApp('bad-cel');
      expect(condition(a, 'Stalled')?.status).toBe('True');
      return a;
    }, 30_000);
    expect(condition(app, 'Stalled')?.reason).toBe('InvalidHealthCheck');
    expect(condition(app, 'Ready')?.message).toContain(
      `healthCheckExprs for example.com/v1 Widget: expression "status.phase == 'Ready" does not compile`,
    );
    expect(app.status?.lastAppliedRevision).toBeUndefined();
  });
});
